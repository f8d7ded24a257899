"""samples/xdp_lb: the XDP load balancer and the backends' decapsulator, on real traffic.

A switched LAN holds a client, the balancer and three backends.  The client routes the VIP
through the balancer; xdp_lb (generic XDP on the balancer's eth0) encapsulates each packet in
IP-in-IP towards the backend the service's Maglev table picks for the flow and sends it back
out of eth0 (XDP_TX).  xdp_decap on each backend strips the outer header; the backend holds
the VIP on lo, so its sockets answer the client directly (direct server return).

The test is the control plane: it writes services, Maglev tables and backends with bpftool,
and predicts each flow's backend from the same hash the program computes.  Both compilers'
objects must pass every test.
"""
from __future__ import annotations

import contextlib
import hashlib
import os
import select
import socket
import struct
import threading
from dataclasses import dataclass
from typing import Iterator

import pytest

from support import packets as P
from support.netns import capture, udp_probe
from support.samples import COMPILERS, SAMPLES, build
from support.topology import BpftoolMap, attached_maps, lan, sysctl, xdp_prog_id

SAMPLE = SAMPLES / "xdp_lb"
VIP = "10.201.100.1"
HASH_SEED = 0x4C42          # lb.h's LB_HASH_SEED
MAGLEV_SIZE = 251           # lb.h's LB_MAGLEV_SIZE
OUTER_TTL = 64
ROUTE_MTU = 1480            # the client's route to the VIP leaves room for the outer header
UDP_PORT, TCP_PORT = 53, 80
UDP_SERVICE, TCP_SERVICE = 1, 2
BACKENDS = {"b1": 1, "b2": 2, "b3": 3}   # host name -> backend id
STAT_FORWARDED, STAT_ECHO_REPLY, STAT_UNKNOWN_PORT = 0, 1, 2
DECAP_STAT_DECAPSULATED = 0
IPPROTO_IPIP = 4
M32 = 0xFFFFFFFF

pytestmark = pytest.mark.netns

# --- the control plane ------------------------------------------------------------------------------

def rol32(word: int, shift: int) -> int:
    return ((word << shift) | (word >> (32 - shift))) & M32


def jhash_3words(a: int, b: int, c: int, initval: int) -> int:
    """The kernel's jhash_3words(), as xdp_lb.c spells it out."""
    initval = (initval + 0xDEADBEEF + (3 << 2)) & M32
    a, b, c = (a + initval) & M32, (b + initval) & M32, (c + initval) & M32
    c = ((c ^ b) - rol32(b, 14)) & M32
    a = ((a ^ c) - rol32(c, 11)) & M32
    b = ((b ^ a) - rol32(a, 25)) & M32
    c = ((c ^ b) - rol32(b, 16)) & M32
    a = ((a ^ c) - rol32(c, 4)) & M32
    b = ((b ^ a) - rol32(a, 14)) & M32
    c = ((c ^ b) - rol32(b, 24)) & M32
    return c


def flow_hash(src: str, dst: str, sport: int, dport: int, proto: int) -> int:
    """xdp_lb's flow_hash(): the header words as little-endian loads of the packet bytes."""
    word = lambda raw: int.from_bytes(raw, "little")  # noqa: E731
    return jhash_3words(word(P.ip_bytes(src)), word(P.ip_bytes(dst)), word(struct.pack("!HH", sport, dport)),
                        HASH_SEED ^ proto)


def maglev_table(backend_ids: list[int], size: int = MAGLEV_SIZE) -> list[int]:
    """Maglev's lookup table (Eisenbud et al., NSDI 2016): each backend fills slots in the order
    of its own permutation of 0..size-1, taking turns, so removing a backend moves few slots."""
    def h(seed: str, backend: int) -> int:
        return int.from_bytes(hashlib.sha256(f"{seed}{backend}".encode()).digest()[:8], "little")
    perms = [(h("offset", b) % size, h("skip", b) % (size - 1) + 1) for b in backend_ids]
    taken = [0] * len(backend_ids)
    table = [0] * size
    filled = 0
    while filled < size:
        for i, (offset, skip) in enumerate(perms):
            while True:
                slot = (offset + taken[i] * skip) % size
                taken[i] += 1
                if not table[slot]:
                    break
            table[slot] = backend_ids[i]
            filled += 1
            if filled == size:
                break
    return table


def service_key(vip: str, port: int, proto: int) -> bytes:
    return struct.pack("!4sHBx", P.ip_bytes(vip), port, proto)


def per_cpu_counters(m: BpftoolMap, index: int) -> tuple[int, int]:
    """(packets, bytes) of a per-CPU lb_counter array entry, summed over CPUs."""
    values = m.lookup(struct.pack("<I", index))
    totals = [struct.unpack("<QQ", v) for v in values]
    return sum(p for p, _ in totals), sum(b for _, b in totals)


@dataclass
class Balancer:
    net: object
    maps: dict[str, BpftoolMap]
    decap_maps: dict[str, dict[str, BpftoolMap]]   # backend host -> its xdp_decap maps

    @property
    def client(self):
        return self.net["client"]

    def set_service(self, service_id: int, port: int, proto: int, backends: list[str]) -> None:
        ids = [BACKENDS[b] for b in backends]
        table = maglev_table(ids) if ids else [0] * MAGLEV_SIZE
        self.maps["lb_maglev"].update(struct.pack("<I", service_id), struct.pack(f"<{MAGLEV_SIZE}I", *table))
        self.maps["lb_services"].update(service_key(VIP, port, proto), struct.pack("<IHH", service_id, len(ids), 0))

    def expected_backend(self, service_id: int, sport: int, dport: int, proto: int) -> str:
        raw = self.maps["lb_maglev"].lookup(struct.pack("<I", service_id))
        table = struct.unpack(f"<{MAGLEV_SIZE}I", raw)
        backend_id = table[flow_hash(self.client.ipv4, VIP, sport, dport, proto) % MAGLEV_SIZE]
        return next(name for name, i in BACKENDS.items() if i == backend_id)

    def backend_packets(self, name: str) -> int:
        return per_cpu_counters(self.maps["lb_backend_ctrs"], BACKENDS[name])[0]

    def decapsulated(self, name: str) -> int:
        return per_cpu_counters(self.decap_maps[name]["decap_stats"], DECAP_STAT_DECAPSULATED)[0]

    def stat(self, index: int) -> int:
        return per_cpu_counters(self.maps["lb_stats"], index)[0]


# --- the backends' servers ---------------------------------------------------------------------------

@contextlib.contextmanager
def servers(net) -> Iterator[None]:
    """On every backend: a UDP server on VIP:53 that answers "<backend> <datagram>", and a TCP
    server on VIP:80 that reads to EOF and answers "<backend> <length> <sha256>"."""
    stop_r, stop_w = os.pipe()
    threads = []
    with contextlib.ExitStack() as stack:
        for name in BACKENDS:
            ns = net[name].ns
            udp = stack.enter_context(ns.socket(socket.AF_INET, socket.SOCK_DGRAM, bind=(VIP, UDP_PORT)))
            tcp = stack.enter_context(ns.socket(socket.AF_INET, socket.SOCK_STREAM, bind=(VIP, TCP_PORT)))
            tcp.listen(8)
            thread = threading.Thread(target=_serve, args=(name, udp, tcp, stop_r), daemon=True)
            thread.start()
            threads.append(thread)
        try:
            yield
        finally:
            os.write(stop_w, b"x")
            for thread in threads:
                thread.join(5)
            os.close(stop_r)
            os.close(stop_w)


def _serve(name: str, udp: socket.socket, tcp: socket.socket, stop: int) -> None:
    while True:
        ready, _, _ = select.select([udp, tcp, stop], [], [])
        if stop in ready:
            return
        if udp in ready:
            data, peer = udp.recvfrom(2048)
            udp.sendto(name.encode() + b" " + data, peer)
        if tcp in ready:
            conn, _ = tcp.accept()
            with conn:
                conn.settimeout(5)
                digest, length = hashlib.sha256(), 0
                while chunk := conn.recv(65536):
                    digest.update(chunk)
                    length += len(chunk)
                conn.sendall(f"{name} {length} {digest.hexdigest()}".encode())


# --- fixtures ----------------------------------------------------------------------------------------

@pytest.fixture(params=COMPILERS)
def balancer(request, tmp_path) -> Iterator[Balancer]:
    request.getfixturevalue("_stale_netns_swept")
    with lan(["client", "lb", *BACKENDS]) as net:
        lb = net["lb"]
        defines = {"LB_IPV4": "IPV4({})".format(", ".join(lb.ipv4.split(".")))}
        lb.attach_xdp(build(request.param, SAMPLE / "xdp_lb.c", tmp_path, defines), "xdp")
        decap = build(request.param, SAMPLE / "xdp_decap.c", tmp_path, defines)
        decap_maps = {}
        for name in BACKENDS:
            backend = net[name]
            backend.attach_xdp(decap, "xdp")
            decap_maps[name] = attached_maps(xdp_prog_id(backend))
            backend.ns.ip("addr", "add", f"{VIP}/32", "dev", "lo")
            # The usual DSR settings: never answer ARP for the VIP, never source ARP from it.
            sysctl(backend.ns, "net.ipv4.conf.all.arp_ignore", 1)
            sysctl(backend.ns, "net.ipv4.conf.all.arp_announce", 2)
        sysctl(lb.ns, "net.ipv4.conf.all.forwarding", 1)  # a balancer is a router; bpf_fib_lookup insists
        net["client"].ns.ip("route", "add", f"{VIP}/32", "via", lb.ipv4, "mtu", str(ROUTE_MTU))

        b = Balancer(net, attached_maps(xdp_prog_id(lb)), decap_maps)
        for name, backend_id in BACKENDS.items():
            b.maps["lb_backends"].update(struct.pack("<I", backend_id), P.ip_bytes(net[name].ipv4) + bytes(4))
        b.maps["lb_services"].update(service_key(VIP, 0, 0), struct.pack("<IHH", 0, 0, 0))  # the VIP itself
        b.set_service(UDP_SERVICE, UDP_PORT, P.IPPROTO_UDP, list(BACKENDS))
        b.set_service(TCP_SERVICE, TCP_PORT, P.IPPROTO_TCP, ["b1", "b2"])
        with servers(net):
            yield b


def udp_flows(b: Balancer, count: int) -> list[socket.socket]:
    """`count` UDP sockets in the client, each connected to the VIP service: one flow each."""
    socks = []
    for _ in range(count):
        sock = b.client.ns.socket(socket.AF_INET, socket.SOCK_DGRAM, bind=(b.client.ipv4, 0))
        sock.settimeout(2)
        sock.connect((VIP, UDP_PORT))
        socks.append(sock)
    return socks


def ask(sock: socket.socket, message: bytes) -> str:
    """Send one datagram on a connected flow; the name of the backend that answered."""
    sock.send(message)
    reply = sock.recv(2048)
    name, _, echoed = reply.partition(b" ")
    assert echoed == message
    return name.decode()


# --- tests -------------------------------------------------------------------------------------------

def test_udp_flows_reach_the_backend_the_maglev_table_picks(balancer):
    b = balancer
    flows = udp_flows(b, 48)
    try:
        def round_trip(tag: bytes) -> dict[str, int]:
            per_backend = {name: 0 for name in BACKENDS}
            for i, sock in enumerate(flows):
                sport = sock.getsockname()[1]
                expected = b.expected_backend(UDP_SERVICE, sport, UDP_PORT, P.IPPROTO_UDP)
                assert ask(sock, tag + b" %d" % i) == expected, f"flow from port {sport}"
                per_backend[expected] += 1
            return per_backend

        first = round_trip(b"first")
        assert all(first.values()), f"48 flows should reach all three backends: {first}"
        assert sum(first.values()) == len(flows)
        # Every flow sticks to its backend while the table stays.
        assert round_trip(b"again") == first
        assert b.stat(STAT_FORWARDED) == 2 * len(flows)
        for name, n in first.items():
            assert b.backend_packets(name) == 2 * n
            assert b.decapsulated(name) == 2 * n

        # b3 leaves: its flows move, the others stay where they were (Maglev's promise, and the
        # datapath follows the new table at once).
        before = {sock.getsockname()[1]: b.expected_backend(UDP_SERVICE, sock.getsockname()[1], UDP_PORT,
                                                             P.IPPROTO_UDP) for sock in flows}
        b.set_service(UDP_SERVICE, UDP_PORT, P.IPPROTO_UDP, ["b1", "b2"])
        after = round_trip(b"after")
        assert after["b3"] == 0 and sum(after.values()) == len(flows)
        moved = [sport for sport, name in before.items()
                 if name != "b3" and b.expected_backend(UDP_SERVICE, sport, UDP_PORT, P.IPPROTO_UDP) != name]
        assert len(moved) <= len(flows) // 4, f"too many surviving flows moved: {moved}"
    finally:
        for sock in flows:
            sock.close()


def test_tcp_connection_is_balanced_and_answered_directly(balancer):
    b = balancer
    upload = os.urandom(256 * 1024)
    for _ in range(4):  # several connections, so both of the service's backends may serve one
        with b.client.ns.socket(socket.AF_INET, socket.SOCK_STREAM, bind=(b.client.ipv4, 0)) as sock:
            sock.settimeout(10)
            sock.connect((VIP, TCP_PORT))
            expected = b.expected_backend(TCP_SERVICE, sock.getsockname()[1], TCP_PORT, P.IPPROTO_TCP)
            sock.sendall(upload)
            sock.shutdown(socket.SHUT_WR)
            reply = b""
            while chunk := sock.recv(4096):
                reply += chunk
        assert reply.decode() == f"{expected} {len(upload)} {hashlib.sha256(upload).hexdigest()}"
    # Every segment went through the balancer, none to the backend outside the service.
    assert b.stat(STAT_FORWARDED) >= 4 * len(upload) // (ROUTE_MTU - 40)
    assert b.backend_packets("b3") == 0


def test_ping_to_the_vip_is_answered_by_the_balancer(balancer):
    b = balancer
    with b.client.ns.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP) as sock:
        sock.settimeout(2)
        for seq in range(1, 4):
            sock.sendto(P.icmp_echo(ident=0x4C42, seq=seq, payload=b"ping the vip"), (VIP, 0))
            while True:
                packet, (source, _) = sock.recvfrom(2048)
                icmp = packet[(packet[0] & 0xF) * 4:]
                if icmp[0] == P.ICMP_ECHO_REPLY:
                    break
            assert source == VIP
            assert P.ones_complement_sum(packet[:20]) == 0xFFFF and P.ones_complement_sum(icmp) == 0xFFFF
            assert struct.unpack("!HH", icmp[4:8]) == (0x4C42, seq) and icmp[8:] == b"ping the vip"
            assert packet[8] == OUTER_TTL
    assert b.stat(STAT_ECHO_REPLY) == 3
    assert sum(b.decapsulated(name) for name in BACKENDS) == 0


def test_traffic_to_other_ports_of_the_vip_is_dropped_and_other_traffic_passes(balancer):
    b = balancer
    with b.client.ns.socket(socket.AF_INET, socket.SOCK_DGRAM, bind=(b.client.ipv4, 0)) as sock:
        sock.settimeout(0.5)
        sock.sendto(b"nobody listens", (VIP, UDP_PORT + 1))
        with pytest.raises(TimeoutError):
            sock.recv(2048)
    assert b.stat(STAT_UNKNOWN_PORT) == 1
    assert b.stat(STAT_FORWARDED) == 0
    # The balancer's own traffic is not its business: it reaches the balancer's stack.
    assert udp_probe(b.client, b.net["lb"], [7000], count=3) == {7000: 3}


def test_encapsulated_packets_on_the_wire(balancer):
    b = balancer
    with b.client.ns.socket(socket.AF_INET, socket.SOCK_DGRAM, bind=(b.client.ipv4, 0)) as sock:
        sock.settimeout(2)
        sock.connect((VIP, UDP_PORT))
        expected = b.expected_backend(UDP_SERVICE, sock.getsockname()[1], UDP_PORT, P.IPPROTO_UDP)
        is_ipip = lambda f: f[12:14] == b"\x08\x00" and f[23] == IPPROTO_IPIP  # noqa: E731
        with capture(b.net.port(expected), "out") as wire, capture(b.net.port("client"), "in") as sent:
            assert ask(sock, b"look at me") == expected
            (frame,) = wire.wait(is_ipip)
            (original,) = sent.wait(lambda f: f[30:34] == P.ip_bytes(VIP))
    lb, backend = b.net["lb"], b.net[expected]
    outer = P.parse(frame, strict=False)
    assert (outer.eth_src, outer.eth_dst) == (lb.mac, backend.mac)
    assert (outer.ip_src, outer.ip_dst, outer.ttl, outer.ihl) == (lb.ipv4, backend.ipv4, OUTER_TTL, 5)
    assert P.ipv4_checksum_ok(frame)
    inner_ip = frame[34:]
    assert outer.total_length == 20 + len(inner_ip)
    assert inner_ip == original[14:], "the client's packet travels unchanged inside"
    assert outer.df == P.parse(original).df and outer.tos == P.parse(original).tos
