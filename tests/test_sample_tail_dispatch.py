"""samples/tail_dispatch on real traffic: loaded by libbpf (`bpftool prog loadall`), which fills
its prog array from the static initialiser, and its pinned entry program attached with tc at
ingress of namespace b's device (tc's own `obj` loading loads no program but the attached one,
so it cannot fill the array); ICMP, ICMPv6, UDP and TCP each
reach their own program, a protocol without one falls through, and emptying a slot with
bpftool at run time takes its program out of the path.

Compiled by bpfcc and by clang-19; both must behave the same.
"""
from __future__ import annotations

import socket
import struct
import time
from dataclasses import dataclass

import pytest

from support import packets as P
from support.netns import VethPair, send_frames
from support.samples import COMPILERS, SAMPLES, build
from support.topology_b import Bpffs, bpffs_namespace, run_frame

SOURCE = SAMPLES / "tail_dispatch" / "tail_dispatch.c"
PROGS = "/sys/fs/bpf/tail_dispatch"     # where bpftool pins the programs
STATS_MAP, DENY_MAP = "/sys/fs/bpf/dispatch_stats", "/sys/fs/bpf/port_deny"   # libbpf's pins by name
ICMP_MAX_ECHO = 1024
HANDLERS = {P.IPPROTO_ICMP: "handle_icmp", P.IPPROTO_TCP: "handle_tcp", P.IPPROTO_UDP: "handle_udp",
            P.IPPROTO_ICMPV6: "handle_icmp"}
PORT_KEY = struct.Struct("!BxH")        # struct port_key: protocol, pad, port (network order)
STATS = struct.Struct("<4Q")            # struct proto_stats
IPPROTO_EXPERIMENTAL = 253              # RFC 3692: nothing has a program for it


@dataclass
class Dispatcher:
    fs: Bpffs
    net: VethPair
    prog_id: int

    @property
    def prog_array(self) -> int:
        return self.fs.prog_maps(self.prog_id)["l4_progs"]

    def slots(self) -> dict[int, str]:
        """{slot: name of the program in it}."""
        return {struct.unpack("<I", e.key)[0]: self.fs.bpftool("prog", "show", "id", str(struct.unpack("<I", e.value)[0]))["name"]
                for e in self.fs.map_dump(self.prog_array)}

    def deny(self, proto: int, port: int) -> None:
        self.fs.map_update(DENY_MAP, PORT_KEY.pack(proto, port), b"\x01")

    def stats(self, proto: int) -> dict[str, int]:
        per_cpu = [STATS.unpack(v) for v in self.fs.map_lookup(STATS_MAP, struct.pack("<I", proto)).value]
        return dict(zip(("packets", "bytes", "drops", "missed"), map(sum, zip(*per_cpu))))


@pytest.fixture(params=COMPILERS)
def dispatcher(request, netns, bpftool, tmp_path):
    obj = build(request.param, SOURCE, tmp_path)
    with bpffs_namespace() as fs:
        fs.load_all(obj, PROGS)
        yield Dispatcher(fs, netns, fs.attach_tc_pinned(netns.b, f"{PROGS}/dispatch", "ingress"))


def udp_delivered(net: VethPair, ports: list[int], count: int = 2) -> dict[int, int]:
    got = {port: 0 for port in ports}
    receivers = [net.b.ns.socket(socket.AF_INET, socket.SOCK_DGRAM, bind=(net.b.ipv4, port)) for port in ports]
    try:
        with net.a.ns.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
            for port in ports:
                for i in range(count):
                    sender.sendto(b"datagram %d" % i, (net.b.ipv4, port))
        for port, sock in zip(ports, receivers):
            sock.settimeout(0.3)
            while True:
                try:
                    sock.recv(100)
                except TimeoutError:
                    break
                got[port] += 1
    finally:
        for sock in receivers:
            sock.close()
    return got


def echo_answered(net: VethPair, family: int, payload: bytes, ident: int) -> bool:
    """One ICMP or ICMPv6 echo from a to b; True if b's reply came."""
    if family == 6:
        sock = net.a.ns.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
        request, dst, reply_type = P.icmpv6_echo(ident, 1, payload), (net.b.ipv6, 0), P.ICMPV6_ECHO_REPLY
    else:
        sock = net.a.ns.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
        request, dst, reply_type = P.icmp_echo(ident, 1, payload), (net.b.ipv4, 0), P.ICMP_ECHO_REPLY
    with sock:
        sock.settimeout(0.5)
        sock.sendto(request, dst)   # the kernel fills in the ICMPv6 checksum
        deadline = time.monotonic() + 0.5
        while time.monotonic() < deadline:
            try:
                data = sock.recv(2000)
            except TimeoutError:
                return False
            # An IPv4 raw socket gets the IP header too, an ICMPv6 one only the message.
            msg = data if family == 6 else data[(data[0] & 0xF) * 4:]
            kind, _, _, got_ident = struct.unpack_from("!BBHH", msg)
            if kind == reply_type and got_ident == ident:
                return True
    return False


def test_loader_fills_the_prog_array_from_its_initialiser(dispatcher):
    assert dispatcher.fs.bpftool("prog", "show", "id", str(dispatcher.prog_id))["name"] == "dispatch"
    assert dispatcher.slots() == HANDLERS


@pytest.mark.parametrize("family", [4, 6])
def test_icmp_program_drops_oversized_echo_requests(dispatcher, family):
    proto = P.IPPROTO_ICMPV6 if family == 6 else P.IPPROTO_ICMP
    assert echo_answered(dispatcher.net, family, b"x" * ICMP_MAX_ECHO, 1)
    assert not echo_answered(dispatcher.net, family, b"x" * (ICMP_MAX_ECHO + 1), 2)
    stats = dispatcher.stats(proto)
    assert stats["packets"] >= 2 and stats["drops"] == 1 and stats["missed"] == 0


def test_udp_program_drops_denied_ports(dispatcher):
    dispatcher.deny(P.IPPROTO_UDP, 9)
    assert udp_delivered(dispatcher.net, [9, 53], count=3) == {9: 0, 53: 3}
    stats = dispatcher.stats(P.IPPROTO_UDP)
    assert (stats["packets"], stats["drops"], stats["missed"]) == (6, 3, 0)


def test_tcp_program_refuses_connections_to_denied_ports(dispatcher):
    a, b = dispatcher.net.a, dispatcher.net.b
    dispatcher.deny(P.IPPROTO_TCP, 8443)
    with b.ns.socket(socket.AF_INET, socket.SOCK_STREAM, bind=(b.ipv4, 8080)) as open_, \
            b.ns.socket(socket.AF_INET, socket.SOCK_STREAM, bind=(b.ipv4, 8443)) as denied:
        open_.listen()
        denied.listen()
        with a.ns.socket(socket.AF_INET, socket.SOCK_STREAM) as client:
            client.settimeout(2)
            client.connect((b.ipv4, 8080))
            client.sendall(b"through handle_tcp")
        with a.ns.socket(socket.AF_INET, socket.SOCK_STREAM) as client:
            client.settimeout(0.5)
            with pytest.raises(TimeoutError):
                client.connect((b.ipv4, 8443))
    stats = dispatcher.stats(P.IPPROTO_TCP)
    assert stats["drops"] >= 1 and stats["packets"] > stats["drops"] and stats["missed"] == 0


def test_protocol_without_a_program_falls_through(dispatcher):
    a, b = dispatcher.net.a, dispatcher.net.b
    frame = P.ethernet(P.ipv4(b"no program", src=a.ipv4, dst=b.ipv4, proto=IPPROTO_EXPERIMENTAL),
                       ethertype=P.ETH_P_IP, src=a.mac, dst=b.mac)
    send_frames(a, [frame, frame])
    deadline = time.monotonic() + 1
    while dispatcher.stats(IPPROTO_EXPERIMENTAL)["missed"] < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert dispatcher.stats(IPPROTO_EXPERIMENTAL) == {"packets": 0, "bytes": 0, "drops": 0, "missed": 2}


def test_emptied_slot_takes_the_program_out_of_the_path(dispatcher):
    dispatcher.deny(P.IPPROTO_UDP, 9)
    assert udp_delivered(dispatcher.net, [9]) == {9: 0}
    dispatcher.fs.map_delete(dispatcher.prog_array, struct.pack("<I", P.IPPROTO_UDP))
    assert P.IPPROTO_UDP not in dispatcher.slots()
    assert udp_delivered(dispatcher.net, [9]) == {9: 2}
    stats = dispatcher.stats(P.IPPROTO_UDP)
    assert (stats["packets"], stats["drops"], stats["missed"]) == (2, 2, 2)


def crafted_frames() -> list[bytes]:
    v6 = {"src": P.IPV6_A, "dst": P.IPV6_B}
    frames = [
        P.icmp_echo_frame(payload=b"x" * ICMP_MAX_ECHO), P.icmp_echo_frame(payload=b"x" * (ICMP_MAX_ECHO + 1)),
        P.icmp_echo_frame(payload=b"x" * 2000, reply=True),
        P.icmp_echo_frame(payload=b"x" * ICMP_MAX_ECHO, **v6), P.icmp_echo_frame(payload=b"x" * 1500, **v6),
        P.udp_frame(dport=9), P.udp_frame(dport=53), P.udp_frame(dport=9, **v6),
        P.tcp_frame(dport=8443), P.tcp_frame(dport=8443, flags=P.TCP_SYN | P.TCP_ACK), P.tcp_frame(dport=8080),
        P.tcp_frame(dport=8443, **v6), P.udp_frame(dport=9, options=b"\x01" * 40),
        P.with_ipv4_fields(P.udp_frame(dport=9), flags_frag=0x0010),
        P.ethernet(P.ipv4(b"no program", proto=IPPROTO_EXPERIMENTAL), ethertype=P.ETH_P_IP), P.arp_frame(),
    ]
    for base in (frames[0], frames[5], frames[8], frames[3]):
        frames += [frame for _, frame in P.malformed_variants(base) if len(frame) >= P.ETH_HLEN]
    return frames


@pytest.mark.clang
def test_matches_clang_on_crafted_and_malformed_frames(kernel, tmp_path):
    """Same verdicts and counters from both objects, each loaded by libbpf with its array filled."""
    frames = crafted_frames()
    outcomes = []
    for compiler in ("bpfcc", "clang-19"):
        obj = kernel.load(build(compiler, SOURCE, tmp_path))
        for proto, port in ((P.IPPROTO_UDP, 9), (P.IPPROTO_TCP, 8443)):
            obj.map("port_deny").update(PORT_KEY.pack(proto, port), b"\x01")
        verdicts = [getattr(run_frame(obj.program("dispatch"), frame), "retval", None) for frame in frames]
        stats = {struct.unpack("<I", key)[0]: [sum(c) for c in zip(*map(STATS.unpack, values))]   # over CPUs
                 for key, values in obj.map("dispatch_stats").items() if any(map(any, values))}
        outcomes.append((verdicts, stats))
    assert outcomes[0] == outcomes[1]
    verdicts, stats = outcomes[0]
    assert verdicts[:12] == [0, 2, 0, 0, 2, 2, 0, 2, 2, 0, 0, 2]
    assert stats[IPPROTO_EXPERIMENTAL][3] == 1
