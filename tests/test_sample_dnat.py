"""samples/dnat on real traffic: namespace a is the client, its device carrying lb_egress and
lb_ingress (attached with tc); namespace b holds the backends (10.200.0.2 and 10.200.0.3).  The
client talks TCP and UDP to a VIP that exists nowhere, the backends answer, and the client only
ever sees the VIP.  The veths carry complete checksums (TX offload is off) and the receiving
stacks verify them (a veth marks nothing it forwards as verified), so a packet the programs
rewrote with a wrong checksum is dropped and counted in InCsumErrors; the frames captured on
the way are checked as well.

Compiled by bpfcc and by clang-19; both must behave the same.
"""
from __future__ import annotations

import contextlib
import socket
import struct
from dataclasses import dataclass

import pytest

from support import packets as P
from support.netns import VethPair, capture, send_frames
from support.samples import COMPILERS, SAMPLES, build
from support.topology_b import Bpffs, bpffs_namespace, run_frame, snmp

SOURCE = SAMPLES / "dnat" / "dnat.c"
VIP = "10.96.0.10"
BACKEND_2 = "10.200.0.3"            # a second address of namespace b
REV_NAT = 7
TUPLE_F_SERVICE = 1

SERVICE_KEY = struct.Struct("<4s2sHB3x")     # address, dport (network order), backend_slot, proto
SERVICE = struct.Struct("<IHH")              # backend_id, count, rev_nat_index
ADDR_PORT = struct.Struct("<4s2s2x")         # lb4_backend and lb4_reverse_nat
CT_TUPLE = struct.Struct("<4s4s2s2sBB2x")
CT_ENTRY = struct.Struct("<QQIH2x")          # packets, bytes, backend_id, rev_nat_index


def port_bytes(port: int) -> bytes:
    return port.to_bytes(2, "big")


def ct_key(src: str, dst: str, sport: int, dport: int, proto: int, flags: int = 0) -> bytes:
    return CT_TUPLE.pack(P.ip_bytes(src), P.ip_bytes(dst), port_bytes(sport), port_bytes(dport), proto, flags)


@dataclass
class Balancer:
    fs: Bpffs
    net: VethPair

    def add_service(self, vip: str, port: int, proto: int, backends: dict[int, tuple[str, int]]) -> None:
        """What Cilium's agent writes for a service: backends, reverse NAT, then the slots."""
        for backend_id, (addr, bport) in backends.items():
            self.fs.map_update("lb4_backends", struct.pack("<I", backend_id),
                               ADDR_PORT.pack(P.ip_bytes(addr), port_bytes(bport)))
        self.fs.map_update("lb4_reverse_nat", struct.pack("<H", REV_NAT), ADDR_PORT.pack(P.ip_bytes(vip), port_bytes(port)))
        for slot, backend_id in enumerate(backends, start=1):
            self.fs.map_update("lb4_services", SERVICE_KEY.pack(P.ip_bytes(vip), port_bytes(port), slot, proto),
                               SERVICE.pack(backend_id, 0, 0))
        self.fs.map_update("lb4_services", SERVICE_KEY.pack(P.ip_bytes(vip), port_bytes(port), 0, proto),
                           SERVICE.pack(0, len(backends), REV_NAT))

    def ct(self, key: bytes) -> tuple[int, int, int, int]:
        entry = self.fs.map_lookup("lb4_ct", key)
        assert entry is not None, CT_TUPLE.unpack(key)
        return CT_ENTRY.unpack(entry.value)


@pytest.fixture(params=COMPILERS)
def lb(request, netns, bpftool, tmp_path):
    a, b = netns.a, netns.b
    a.ns.ip("route", "add", "10.96.0.0/16", "via", b.ipv4)
    a.ns.ip("neigh", "replace", BACKEND_2, "lladdr", b.mac, "dev", a.dev, "nud", "permanent")
    b.ns.ip("addr", "add", f"{BACKEND_2}/24", "dev", b.dev)
    obj = build(request.param, SOURCE, tmp_path)
    with bpffs_namespace() as fs:
        fs.attach_tc(a, obj, "tc/egress", "egress")
        fs.attach_tc(a, obj, "tc/ingress", "ingress")
        yield Balancer(fs, netns)


def no_checksum_errors(net: VethPair) -> bool:
    return all(snmp(ep)[name] == 0 for ep in (net.a, net.b)
               for name in ("Ip.InHdrErrors", "Tcp.InCsumErrors", "Udp.InCsumErrors"))


def test_tcp_connection_to_the_vip_reaches_a_backend(lb):
    a, b = lb.net.a, lb.net.b
    lb.add_service(VIP, 80, P.IPPROTO_TCP, {1: (b.ipv4, 8080)})
    with capture(b, direction="both") as cap, \
            b.ns.socket(socket.AF_INET, socket.SOCK_STREAM, bind=(b.ipv4, 8080)) as listener:
        listener.listen()
        listener.settimeout(2)
        with a.ns.socket(socket.AF_INET, socket.SOCK_STREAM) as client:
            client.settimeout(2)
            client.connect((VIP, 80))
            server, peer = listener.accept()
            with server:
                assert client.getpeername() == (VIP, 80)
                cport = client.getsockname()[1]
                assert peer == (a.ipv4, cport)
                client.sendall(b"to the vip")
                assert server.recv(100) == b"to the vip"
                server.sendall(b"from a backend" * 100)
                got = b""
                while len(got) < 1400:
                    got += client.recv(2000)
                assert got == b"from a backend" * 100
        frames = cap.settle()
    to_backend = [f for f in frames if P.parse(f).ip_src == a.ipv4]
    from_backend = [f for f in frames if P.parse(f).ip_dst == a.ipv4]
    assert {(P.parse(f).ip_dst, P.parse(f).dport) for f in to_backend} == {(b.ipv4, 8080)}
    assert all(P.checksums_ok(f) for f in to_backend)
    assert no_checksum_errors(lb.net)
    packets, nbytes, backend_id, rev_nat = lb.ct(ct_key(a.ipv4, VIP, cport, 80, P.IPPROTO_TCP, TUPLE_F_SERVICE))
    assert (packets, nbytes, backend_id, rev_nat) == (len(to_backend), sum(map(len, to_backend)), 1, REV_NAT)
    packets, nbytes, backend_id, rev_nat = lb.ct(ct_key(a.ipv4, b.ipv4, cport, 8080, P.IPPROTO_TCP))
    assert (packets, nbytes, backend_id, rev_nat) == (len(from_backend), sum(map(len, from_backend)), 1, REV_NAT)


def test_udp_replies_come_from_the_vip(lb):
    a, b = lb.net.a, lb.net.b
    lb.add_service(VIP, 53, P.IPPROTO_UDP, {1: (b.ipv4, 5353)})
    with b.ns.socket(socket.AF_INET, socket.SOCK_DGRAM, bind=(b.ipv4, 5353)) as server, \
            a.ns.socket(socket.AF_INET, socket.SOCK_DGRAM) as client, capture(a) as cap:
        server.settimeout(2)
        client.settimeout(2)
        client.sendto(b"query", (VIP, 53))
        data, peer = server.recvfrom(100)
        assert (data, peer) == (b"query", (a.ipv4, client.getsockname()[1]))
        server.sendto(b"answer", peer)
        assert client.recvfrom(100) == (b"answer", (VIP, 53))
        [reply] = cap.wait(lambda f: P.parse(f, strict=False).proto == P.IPPROTO_UDP)
    # The capture sees the reply before tc ingress translates it.
    assert (P.parse(reply).ip_src, P.parse(reply).sport) == (b.ipv4, 5353)
    assert no_checksum_errors(lb.net)


def test_flows_spread_over_backends_and_stay_on_theirs(lb):
    a, b = lb.net.a, lb.net.b
    lb.add_service(VIP, 53, P.IPPROTO_UDP, {1: (b.ipv4, 5353), 2: (BACKEND_2, 5353)})
    landed: dict[int, set[str]] = {}
    with contextlib.ExitStack() as stack:
        servers = {addr: stack.enter_context(b.ns.socket(socket.AF_INET, socket.SOCK_DGRAM, bind=(addr, 5353)))
                   for addr in (b.ipv4, BACKEND_2)}
        clients = [stack.enter_context(a.ns.socket(socket.AF_INET, socket.SOCK_DGRAM, bind=(a.ipv4, 0)))
                   for _ in range(16)]
        for rnd in range(3):
            for client in clients:
                client.sendto(b"round %d" % rnd, (VIP, 53))
        for addr, server in servers.items():
            server.settimeout(0.3)
            while True:
                try:
                    _, peer = server.recvfrom(100)
                except TimeoutError:
                    break
                landed.setdefault(peer[1], set()).add(addr)
    assert all(len(backends) == 1 for backends in landed.values()) and len(landed) == 16
    assert set().union(*landed.values()) == {b.ipv4, BACKEND_2}
    for cport, (backend,) in landed.items():
        backend_id = 1 if backend == b.ipv4 else 2
        assert lb.ct(ct_key(a.ipv4, VIP, cport, 53, P.IPPROTO_UDP, TUPLE_F_SERVICE))[::2] == (3, backend_id)


def test_zero_udp_checksum_stays_zero(lb):
    """BPF_F_MARK_MANGLED_0: a datagram sent without a checksum is translated without one."""
    a, b = lb.net.a, lb.net.b
    lb.add_service(VIP, 53, P.IPPROTO_UDP, {1: (b.ipv4, 5353)})
    frame = P.udp_frame(sport=4000, dport=53, payload=b"no checksum", src=a.ipv4, dst=VIP, udp_checksum=0,
                        eth_src=a.mac, eth_dst=b.mac)
    with b.ns.socket(socket.AF_INET, socket.SOCK_DGRAM, bind=(b.ipv4, 5353)) as server, capture(b) as cap:
        server.settimeout(2)
        send_frames(a, [frame])
        assert server.recvfrom(100) == (b"no checksum", (a.ipv4, 4000))
        [seen] = cap.wait(lambda f: P.parse(f, strict=False).sport == 4000)
    f = P.parse(seen)
    assert (f.ip_dst, f.dport, f.l4_checksum) == (b.ipv4, 5353, 0)
    assert P.ipv4_checksum_ok(seen)


def test_other_traffic_is_untouched_and_a_service_without_backends_drops(lb):
    a, b = lb.net.a, lb.net.b
    lb.add_service(VIP, 53, P.IPPROTO_UDP, {})
    direct = P.udp_frame(sport=4001, dport=5353, src=a.ipv4, dst=b.ipv4, eth_src=a.mac, eth_dst=b.mac)
    to_empty = P.udp_frame(sport=4002, dport=53, src=a.ipv4, dst=VIP, eth_src=a.mac, eth_dst=b.mac)
    with capture(b) as cap:
        send_frames(a, [direct])
        with pytest.raises(OSError):   # ENOBUFS: tc egress dropped it
            send_frames(a, [to_empty])
        seen = cap.wait(lambda f: P.parse(f, strict=False).sport in (4001, 4002), count=2, timeout=0.5)
    assert seen == [direct]


def crafted_frames() -> tuple[list[bytes], list[bytes]]:
    """(client to VIP, backend replies) for TCP and UDP, with options, zero checksums and
    fragments, and the malformed variants of a few."""
    A, B = P.IPV4_A, P.IPV4_B
    back = {"src": B, "dst": A, "eth_src": P.MAC_B, "eth_dst": P.MAC_A}
    egress = [P.udp_frame(sport, 53, b"query", dst=VIP) for sport in range(4000, 4016)]
    egress += [P.tcp_frame(40000, 80, b"GET", dst=VIP, flags=P.TCP_ACK), P.tcp_frame(40000, 81, dst=VIP),
               P.udp_frame(4000, 53, dst=VIP, udp_checksum=0), P.udp_frame(4000, 53, dst=VIP, options=b"\x01" * 8),
               P.with_ipv4_fields(P.udp_frame(4000, 53, dst=VIP), flags_frag=0x2000), P.udp_frame(4000, 54, dst=VIP),
               P.icmp_echo_frame(dst=VIP), P.udp_frame(4000, 53, src=P.IPV6_A, dst=P.IPV6_B)]
    ingress = [P.udp_frame(5353, sport, b"answer", **{**back, "src": backend})
               for sport in range(4000, 4016) for backend in (B, BACKEND_2)]
    ingress += [P.tcp_frame(8080, 40000, b"200", flags=P.TCP_ACK, **back), P.udp_frame(5353, 4999, **back),
                P.udp_frame(5353, 4000, udp_checksum=0, **back)]
    for frames, base in ((egress, egress[0]), (egress, egress[16]), (ingress, ingress[0])):
        frames += [frame for _, frame in P.malformed_variants(base) if len(frame) >= P.ETH_HLEN]
    return egress, ingress


@pytest.mark.clang
def test_matches_clang_on_crafted_and_malformed_frames(kernel, tmp_path):
    """Same verdicts, same rewritten packets and the same connection table from both objects."""
    egress, ingress = crafted_frames()
    outcomes = []
    for compiler in ("bpfcc", "clang-19"):
        obj = kernel.load(build(compiler, SOURCE, tmp_path), prog_type="sched_cls")
        lb = {name: obj.map(name) for name in ("lb4_services", "lb4_backends", "lb4_reverse_nat")}
        for backend_id, addr, port in ((1, P.IPV4_B, 5353), (2, BACKEND_2, 5353), (3, P.IPV4_B, 8080)):
            lb["lb4_backends"].update(struct.pack("<I", backend_id), ADDR_PORT.pack(P.ip_bytes(addr), port_bytes(port)))
        for vip_port, proto, backends in ((53, P.IPPROTO_UDP, (1, 2)), (80, P.IPPROTO_TCP, (3,)), (81, P.IPPROTO_TCP, ())):
            key = lambda slot: SERVICE_KEY.pack(P.ip_bytes(VIP), port_bytes(vip_port), slot, proto)  # noqa: E731
            for slot, backend_id in enumerate(backends, start=1):
                lb["lb4_services"].update(key(slot), SERVICE.pack(backend_id, 0, 0))
            lb["lb4_services"].update(key(0), SERVICE.pack(0, len(backends), REV_NAT))
        lb["lb4_reverse_nat"].update(struct.pack("<H", REV_NAT), ADDR_PORT.pack(P.ip_bytes(VIP), port_bytes(53)))
        results = [(r.retval, r.data) if (r := run_frame(obj.program(prog), frame)) else None
                   for prog, frames in (("lb_egress", egress), ("lb_ingress", ingress)) for frame in frames]
        outcomes.append((results, sorted(obj.map("lb4_ct").items())))
    assert outcomes[0] == outcomes[1]
    results = outcomes[0][0]
    translated = [P.parse(data) for _, data in results[:16]]
    assert {(f.ip_dst, f.dport) for f in translated} == {(P.IPV4_B, 5353), (BACKEND_2, 5353)}
    # Each flow's reply from its own backend comes back from the VIP, the other one untouched.
    replies = [data for _, data in results[len(egress):len(egress) + 32]]
    for flow, out in zip(translated, zip(replies[::2], replies[1::2])):
        sent_to = 0 if flow.ip_dst == P.IPV4_B else 1
        assert (P.parse(out[sent_to]).ip_src, P.parse(out[sent_to]).sport) == (VIP, 53)
        assert P.parse(out[1 - sent_to]).sport == 5353
    assert all(P.checksums_ok(data) for data in [data for _, data in results[:16]] + replies)
