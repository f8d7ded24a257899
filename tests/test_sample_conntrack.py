"""samples/conntrack on real traffic: attached with tc at ingress and egress of the server's
device, sharing its pinned maps; a real TCP connection, a refused one, UDP and ICMP echo flows
are tracked, and the entries bpftool reads back match what a capture on the device saw.

Compiled by bpfcc and by clang-19; both must behave the same.
"""
from __future__ import annotations

import json
import socket
import struct
import time
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from support import packets as P
from support.netns import capture, run, send_frames, veth_pair
from support.samples import COMPILERS, SAMPLES, build
from support.topology_b import Bpffs, bpffs_namespace, run_frame

SOURCE = SAMPLES / "conntrack" / "conntrack.c"
NSEC = 1_000_000_000

# enum ct_state and ct_metric in conntrack.c
NEW, SYN_SENT, SYN_RECV, ESTABLISHED, FIN_WAIT, CLOSED = 1, 2, 3, 4, 5, 6
M_NEW, M_ORIGINAL, M_REPLY, M_EXPIRED, M_INVALID = range(5)
FIN, SYN, RST, ACK = 0x01, 0x02, 0x04, 0x10
LIFETIME = {SYN_SENT: 60, SYN_RECV: 60, ESTABLISHED: 21600, FIN_WAIT: 10, CLOSED: 10, NEW: 60}

TUPLE = struct.Struct("!4s4sHHB3x")           # struct ct_tuple: addresses and ports in network order
ENTRY = struct.Struct("<QQ2Q2QB2B5x")         # struct ct_entry


@dataclass(frozen=True)
class Entry:
    expires: int
    created: int
    packets: tuple[int, int]
    bytes: tuple[int, int]
    state: int
    tcp_flags: tuple[int, int]

    @classmethod
    def decode(cls, raw: bytes) -> "Entry":
        e, c, p0, p1, b0, b1, state, f0, f1 = ENTRY.unpack(raw)
        return cls(e, c, (p0, p1), (b0, b1), state, (f0, f1))

    def encode(self) -> bytes:
        return ENTRY.pack(self.expires, self.created, *self.packets, *self.bytes, self.state, *self.tcp_flags)


def tuple_key(src: str, dst: str, sport: int, dport: int, proto: int) -> bytes:
    return TUPLE.pack(P.ip_bytes(src), P.ip_bytes(dst), sport, dport, proto)


class Tracker:
    """The attached tracker's maps, read and written with bpftool."""

    def __init__(self, fs: Bpffs, progs: list[int]):
        self.fs = fs
        self.progs = progs      # ids of the ingress and the egress attachment

    def entries(self) -> dict[bytes, Entry]:
        return {e.key: Entry.decode(e.value) for e in self.fs.map_dump("ct4_global")}

    def entry(self, key: bytes) -> Entry | None:
        found = self.fs.map_lookup("ct4_global", key)
        return None if found is None else Entry.decode(found.value)

    def wait_for(self, key: bytes, state: int, timeout: float = 2.0) -> Entry:
        """The entry once it reached `state` (the last packets of a flow may still be in flight)."""
        deadline = time.monotonic() + timeout
        while True:
            entry = self.entry(key)
            if (entry is not None and entry.state == state) or time.monotonic() > deadline:
                assert entry is not None, f"no entry for {TUPLE.unpack(key)}"
                assert entry.state == state, entry
                return entry
            time.sleep(0.02)

    def metrics(self) -> list[int]:
        return [e.percpu_sum() for e in sorted(self.fs.map_dump("ct4_metrics"), key=lambda e: e.key)]


@pytest.fixture(params=COMPILERS)
def tracker(request, netns, bpftool, tmp_path):
    obj = build(request.param, SOURCE, tmp_path)
    with bpffs_namespace() as fs:
        yield Tracker(fs, [fs.attach_tc(netns.b, obj, "tc", direction) for direction in ("ingress", "egress")])


def assert_renewed(entry: Entry, before_ns: int) -> None:
    """The deadline is the last packet's bpf_ktime_get_ns() plus the state's lifetime."""
    now = time.clock_gettime_ns(time.CLOCK_MONOTONIC)
    lifetime = LIFETIME[entry.state] * NSEC
    assert before_ns + lifetime <= entry.expires <= now + lifetime


def flow_frames(frames: list[bytes], src: str, sport: int) -> tuple[list[bytes], list[bytes]]:
    """The frames of one TCP/UDP flow in the original and the reply direction."""
    orig, reply = [], []
    for raw in frames:
        f = P.parse(raw, strict=False)
        if f.ip_src == src and f.sport == sport:
            orig.append(raw)
        elif f.ip_dst == src and f.dport == sport:
            reply.append(raw)
    return orig, reply


def test_both_attachments_share_the_pinned_maps(tracker):
    names = ("ct4_global", "ct4_metrics")
    assert tracker.fs.pins() == [f"/sys/fs/bpf/tc/globals/{name}" for name in names]
    pinned = {name: tracker.fs.bpftool("map", "show", "pinned", tracker.fs.pin(name))["id"] for name in names}
    assert len(set(tracker.progs)) == 2
    assert [tracker.fs.prog_maps(prog) for prog in tracker.progs] == [pinned, pinned]


def test_tcp_connection_through_handshake_and_teardown(tracker, netns):
    a, b = netns.a, netns.b
    before = time.clock_gettime_ns(time.CLOCK_MONOTONIC)
    with capture(b, direction="both") as cap, \
            b.ns.socket(socket.AF_INET, socket.SOCK_STREAM, bind=(b.ipv4, 8080)) as listener, \
            a.ns.socket(socket.AF_INET, socket.SOCK_STREAM) as client:
        listener.listen()
        client.settimeout(2)
        listener.settimeout(2)
        client.connect((b.ipv4, 8080))
        server, _ = listener.accept()
        with server:
            server.settimeout(2)
            sport = client.getsockname()[1]
            key = tuple_key(a.ipv4, b.ipv4, sport, 8080, P.IPPROTO_TCP)
            client.sendall(b"hello")
            assert server.recv(100) == b"hello"
            server.sendall(b"world")
            assert client.recv(100) == b"world"

            established = tracker.wait_for(key, ESTABLISHED)
            assert established.tcp_flags == (SYN | ACK, SYN | ACK)
            assert established.created >= before
            assert_renewed(established, before)

            client.shutdown(socket.SHUT_WR)
            assert server.recv(100) == b""
            half_closed = tracker.wait_for(key, FIN_WAIT)
            assert half_closed.tcp_flags == (SYN | ACK | FIN, SYN | ACK)
            closing = time.clock_gettime_ns(time.CLOCK_MONOTONIC)
        closed = tracker.wait_for(key, CLOSED)
        assert client.recv(100) == b""
        frames = cap.settle()

    assert closed.tcp_flags == (SYN | ACK | FIN, SYN | ACK | FIN)
    assert_renewed(closed, closing)
    orig, reply = flow_frames(frames, a.ipv4, sport)
    assert P.parse(orig[0]).tcp_flags == P.TCP_SYN and P.parse(reply[0]).tcp_flags == P.TCP_SYN | P.TCP_ACK
    assert closed.packets == (len(orig), len(reply))
    assert closed.bytes == (sum(map(len, orig)), sum(map(len, reply)))
    assert list(tracker.entries()) == [key]


def test_refused_connection_is_closed_by_the_reset(tracker, netns):
    a, b = netns.a, netns.b
    with a.ns.socket(socket.AF_INET, socket.SOCK_STREAM) as client:
        client.settimeout(2)
        with pytest.raises(ConnectionRefusedError):
            client.connect((b.ipv4, 8081))
        sport = client.getsockname()[1]
    entry = tracker.wait_for(tuple_key(a.ipv4, b.ipv4, sport, 8081, P.IPPROTO_TCP), CLOSED)
    assert entry.tcp_flags == (SYN, RST | ACK)
    assert entry.packets == (1, 1)


def test_segment_of_no_connection_is_dropped(tracker, netns):
    """A stray ACK never reaches the server (which would answer it with a RST); a SYN to the
    same port does, and its RST comes back."""
    a, b = netns.a, netns.b
    stray = P.tcp_frame(sport=40000, dport=8082, flags=P.TCP_ACK, seq=1000, ack=2000, src=a.ipv4, dst=b.ipv4)
    syn = P.tcp_frame(sport=40001, dport=8082, flags=P.TCP_SYN, seq=3000, src=a.ipv4, dst=b.ipv4)
    is_rst = lambda f: (p := P.parse(f, strict=False)).proto == P.IPPROTO_TCP and p.tcp_flags & P.TCP_RST  # noqa: E731
    before = tracker.metrics()
    with capture(a) as cap:
        send_frames(a, [stray])
        assert cap.wait(is_rst, timeout=0.5) == []
        send_frames(a, [syn])
        [rst] = cap.wait(is_rst)
    assert P.parse(rst).dport == 40001
    after = tracker.metrics()
    assert after[M_INVALID] - before[M_INVALID] == 1
    assert after[M_NEW] - before[M_NEW] == 1 and after[M_REPLY] - before[M_REPLY] == 1
    assert tuple_key(a.ipv4, b.ipv4, 40000, 8082, P.IPPROTO_TCP) not in tracker.entries()


def udp_exchange(a, b, sport: int, dport: int, rounds: int = 1) -> None:
    with b.ns.socket(socket.AF_INET, socket.SOCK_DGRAM, bind=(b.ipv4, dport)) as server, \
            a.ns.socket(socket.AF_INET, socket.SOCK_DGRAM, bind=(a.ipv4, sport)) as client:
        server.settimeout(2)
        client.settimeout(2)
        for i in range(rounds):
            client.sendto(b"ping %d" % i, (b.ipv4, dport))
            data, peer = server.recvfrom(100)
            server.sendto(data.replace(b"ping", b"pong"), peer)
            assert client.recv(100) == b"pong %d" % i


def test_udp_flow_and_its_replies(tracker, netns):
    a, b = netns.a, netns.b
    before = time.clock_gettime_ns(time.CLOCK_MONOTONIC)
    with capture(b, direction="both") as cap:
        udp_exchange(a, b, 5555, 7777, rounds=3)
        frames = cap.settle()
    entry = tracker.wait_for(tuple_key(a.ipv4, b.ipv4, 5555, 7777, P.IPPROTO_UDP), ESTABLISHED)
    orig, reply = flow_frames(frames, a.ipv4, 5555)
    assert entry.packets == (3, 3) == (len(orig), len(reply))
    assert entry.bytes == (sum(map(len, orig)), sum(map(len, reply)))
    assert entry.tcp_flags == (0, 0)
    assert_renewed(entry, before)
    metrics = tracker.metrics()
    assert (metrics[M_NEW], metrics[M_ORIGINAL], metrics[M_REPLY]) == (1, 2, 3)


def test_icmp_echo_is_tracked_by_identifier(tracker, netns):
    a, b = netns.a, netns.b
    ident = 0x4242
    with a.ns.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP) as sock:
        sock.settimeout(2)
        for seq in (1, 2):
            sock.sendto(P.icmp_echo(ident, seq, b"tracked"), (b.ipv4, 0))
            while True:
                reply = P.parse(P.ethernet(sock.recv(1500), ethertype=P.ETH_P_IP))
                if reply.icmp_type == P.ICMP_ECHO_REPLY and reply.icmp_id == ident and reply.icmp_seq == seq:
                    break
    entry = tracker.wait_for(tuple_key(a.ipv4, b.ipv4, ident, 0, P.IPPROTO_ICMP), ESTABLISHED)
    assert entry.packets == (2, 2)


def test_expired_entry_is_replaced(tracker, netns):
    """An entry whose deadline passed (set with bpftool) is removed by the next packet, which
    opens a new one."""
    a, b = netns.a, netns.b
    key = tuple_key(a.ipv4, b.ipv4, 5556, 7778, P.IPPROTO_UDP)
    udp_exchange(a, b, 5556, 7778)
    old = tracker.wait_for(key, ESTABLISHED)
    tracker.fs.map_update("ct4_global", key, replace(old, expires=1).encode())
    before = tracker.metrics()
    with a.ns.socket(socket.AF_INET, socket.SOCK_DGRAM, bind=(a.ipv4, 5556)) as client:
        client.sendto(b"after expiry", (b.ipv4, 7778))
    new = tracker.wait_for(key, NEW)
    after = tracker.metrics()
    assert after[M_EXPIRED] - before[M_EXPIRED] == 1 and after[M_NEW] - before[M_NEW] == 1
    assert new.packets == (1, 0) and new.created > old.created


@pytest.mark.netns
def test_nothing_outlives_the_test(bpftool, tmp_path):
    """Once the namespaces and the bpffs are gone, so are the pins, the maps and the programs."""
    obj = build("bpfcc", SOURCE, tmp_path)
    with veth_pair() as pair, bpffs_namespace() as fs:
        progs = {fs.attach_tc(pair.b, obj, "tc", direction) for direction in ("ingress", "egress")}
        maps = {fs.bpftool("map", "show", "pinned", fs.pin(name))["id"] for name in ("ct4_global", "ct4_metrics")}
        holder = fs.pid
    assert not Path(f"/proc/{holder}").exists()
    deadline = time.monotonic() + 10
    while True:
        live_progs = {p["id"] for p in run_json(["bpftool", "-j", "prog", "show"])} & progs
        live_maps = {m["id"] for m in run_json(["bpftool", "-j", "map", "show"])} & maps
        if not live_progs and not live_maps or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert (live_progs, live_maps) == (set(), set())


def run_json(argv: list[str]) -> list[dict]:
    return json.loads(run(argv).stdout)


def crafted_frames() -> list[bytes]:
    """A TCP connection's life, a refused one, UDP and ICMP exchanges, packets the tracker
    ignores or finds invalid, and every malformed variant of a few of them."""
    A, B = P.IPV4_A, P.IPV4_B
    back = {"src": B, "dst": A, "eth_src": P.MAC_B, "eth_dst": P.MAC_A}
    syn = P.tcp_frame(40000, 80, flags=P.TCP_SYN, seq=100)
    udp = P.udp_frame(5000, 53, b"query")
    echo = P.icmp_echo_frame(ident=9, seq=1)
    frames = [
        syn, P.tcp_frame(80, 40000, flags=P.TCP_SYN | P.TCP_ACK, seq=500, ack=101, **back),
        P.tcp_frame(40000, 80, b"GET /", flags=P.TCP_ACK | P.TCP_PSH, seq=101, ack=501),
        P.tcp_frame(80, 40000, b"200 OK", flags=P.TCP_ACK | P.TCP_PSH, seq=501, ack=106, **back),
        P.tcp_frame(40000, 80, flags=P.TCP_FIN | P.TCP_ACK, seq=106, ack=507),
        P.tcp_frame(80, 40000, flags=P.TCP_FIN | P.TCP_ACK, seq=507, ack=107, **back),
        P.tcp_frame(40000, 80, flags=P.TCP_ACK, seq=107, ack=508),
        P.tcp_frame(40001, 81, flags=P.TCP_SYN), P.tcp_frame(81, 40001, flags=P.TCP_RST | P.TCP_ACK, **back),
        P.tcp_frame(40002, 82, flags=P.TCP_ACK), P.tcp_frame(40003, 83, flags=P.TCP_SYN | P.TCP_ACK),
        P.tcp_frame(40004, 84, flags=P.TCP_SYN, options=b"\x01\x01\x01\x00"),
        udp, P.udp_frame(53, 5000, b"answer", **back), udp,
        echo, P.icmp_echo_frame(ident=9, seq=1, reply=True, **back), P.icmp_echo_frame(ident=10, reply=True),
        P.with_ipv4_fields(udp, flags_frag=0x2000), P.with_ipv4_fields(udp, flags_frag=0x0004),
        P.udp_frame(5000, 53, src=P.IPV6_A, dst=P.IPV6_B), P.arp_frame(),
    ]
    for base in (syn, udp, echo):
        frames += [frame for _, frame in P.malformed_variants(base) if len(frame) >= P.ETH_HLEN]
    return frames


@pytest.mark.clang
def test_matches_clang_on_crafted_and_malformed_frames(kernel, tmp_path):
    """Same verdicts, same entries (but for the timestamps) and same counters from both objects."""
    frames = crafted_frames()
    outcomes = []
    for compiler in ("bpfcc", "clang-19"):
        obj = kernel.load(build(compiler, SOURCE, tmp_path))
        verdicts = [getattr(run_frame(obj.program("conntrack"), frame), "retval", None) for frame in frames]
        entries = {key: replace(Entry.decode(value), expires=0, created=0)
                   for key, value in obj.map("ct4_global").items()}
        metrics = [sum(struct.unpack("<Q", v)[0] for v in values) for _, values in sorted(obj.map("ct4_metrics").items())]
        outcomes.append((verdicts, entries, metrics))
    assert outcomes[0] == outcomes[1]
    verdicts, entries, metrics = outcomes[0]
    assert entries[tuple_key(P.IPV4_A, P.IPV4_B, 40000, 80, P.IPPROTO_TCP)].state == CLOSED
    assert entries[tuple_key(P.IPV4_A, P.IPV4_B, 40004, 84, P.IPPROTO_TCP)].state == SYN_SENT
    assert metrics[M_INVALID] == 3 and verdicts[9:11] == [2, 2]   # the stray ACK and SYN-ACK: TC_ACT_SHOT
