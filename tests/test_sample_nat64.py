"""samples/nat64 on real traffic: namespace b is an IPv4 host with the translator attached with
tc at ingress and egress of its device; namespace a is an IPv6 client (fd00:bfcc::1, mapped to
10.200.0.100) that reaches b's 10.200.0.2 as 64:ff9b::10.200.0.2.  ICMPv6 echo, UDP and TCP go
through; b's IPv4 stack and a's IPv6 stack both verify every checksum the translator carried
over (a veth marks nothing it forwards as verified), and the captured frames are checked too.

Compiled by bpfcc and by clang-19; both must behave the same.
"""
from __future__ import annotations

import errno
import ipaddress
import socket
import struct
import time
from dataclasses import dataclass

import pytest

from support import packets as P
from support.netns import VethPair, capture
from support.samples import COMPILERS, SAMPLES, build
from support.topology_b import Bpffs, bpffs_namespace, run_frame, snmp

SOURCE = SAMPLES / "nat64" / "nat64.c"
CLIENT_V4 = "10.200.0.100"              # the IPv4 address the client's IPv6 address maps to
SERVER_V6 = str(ipaddress.IPv6Address("64:ff9b::10.200.0.2"))   # b's IPv4 address in the well-known prefix (RFC 6052)
UNMAPPED_V6 = "fd00:bfcc::9"
STAT_6TO4, STAT_4TO6, STAT_NO_MAPPING, STAT_UNSUPPORTED = range(4)


@dataclass
class Translator:
    fs: Bpffs
    net: VethPair

    def map(self, v6: str, v4: str) -> None:
        self.fs.map_update("nat64_v6_to_v4", P.ip_bytes(v6), P.ip_bytes(v4))
        self.fs.map_update("nat64_v4_to_v6", P.ip_bytes(v4), P.ip_bytes(v6))

    def stats(self) -> list[int]:
        return [e.percpu_sum() for e in sorted(self.fs.map_dump("nat64_stats"), key=lambda e: e.key)]


@pytest.fixture(params=COMPILERS)
def nat64(request, netns, bpftool, tmp_path):
    a, b = netns.a, netns.b
    a.ns.ip("-6", "route", "add", "64:ff9b::/96", "via", b.ipv6, "dev", a.dev)
    a.ns.ip("addr", "add", f"{UNMAPPED_V6}/64", "dev", a.dev, "nodad")
    b.ns.ip("neigh", "replace", CLIENT_V4, "lladdr", a.mac, "dev", b.dev, "nud", "permanent")
    obj = build(request.param, SOURCE, tmp_path)
    with bpffs_namespace() as fs:
        fs.attach_tc(b, obj, "tc/ingress", "ingress")
        fs.attach_tc(b, obj, "tc/egress", "egress")
        translator = Translator(fs, netns)
        translator.map(a.ipv6, CLIENT_V4)
        yield translator


def checksum_errors(net: VethPair) -> dict[str, int]:
    names = ("Ip.InHdrErrors", "Icmp.InCsumErrors", "Udp.InCsumErrors", "Tcp.InCsumErrors",
             "Icmp6InCsumErrors", "Udp6InCsumErrors")
    return {f"{ep.ns.name[-1]}:{n}": snmp(ep)[n] for ep in (net.a, net.b) for n in names if snmp(ep)[n]}


def test_icmpv6_echo_is_answered_by_the_ipv4_host(nat64):
    a, b = nat64.net.a, nat64.net.b
    ident = 0x6464
    with capture(b, direction="both") as cap, \
            b.ns.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP) as icmp4, \
            a.ns.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6, bind=(a.ipv6, 0)) as ping:
        icmp4.settimeout(2)
        ping.settimeout(2)
        ping.sendto(P.icmpv6_echo(ident, 7, b"through nat64"), (SERVER_V6, 0))   # the kernel sums it
        while True:
            msg, peer = ping.recvfrom(1500)
            if msg[0] == P.ICMPV6_ECHO_REPLY and struct.unpack_from("!H", msg, 4)[0] == ident:
                break
        request = P.parse(P.ethernet(icmp4.recv(1500), ethertype=P.ETH_P_IP))
        frames = cap.settle()

    assert peer[0] == SERVER_V6 and msg[6:8] == b"\x00\x07" and msg[8:] == b"through nat64"
    # What b's IPv4 stack got: an ICMP echo request from the client's IPv4 address.
    assert (request.ip_src, request.ip_dst, request.icmp_type, request.icmp_id) == (
        CLIENT_V4, b.ipv4, P.ICMP_ECHO_REQUEST, ident)
    # What left b: the IPv4 reply, translated back to ICMPv6.
    [reply] = [P.parse(f) for f in frames if P.parse(f, strict=False).ip_dst == a.ipv6]
    assert (reply.ip_src, reply.proto, reply.icmp_type, reply.icmp_id, reply.ttl) == (
        SERVER_V6, P.IPPROTO_ICMPV6, P.ICMPV6_ECHO_REPLY, ident, 64)
    assert P.checksums_ok(reply.raw)
    assert checksum_errors(nat64.net) == {}
    assert nat64.stats()[:2] == [1, 1]


def test_udp_flow_through_the_translator(nat64):
    a, b = nat64.net.a, nat64.net.b
    payloads = [b"x", b"y" * 100, bytes(range(256)) * 5]
    with b.ns.socket(socket.AF_INET, socket.SOCK_DGRAM, bind=(b.ipv4, 7777)) as server, \
            a.ns.socket(socket.AF_INET6, socket.SOCK_DGRAM, bind=(a.ipv6, 0)) as client:
        server.settimeout(2)
        client.settimeout(2)
        for payload in payloads:
            client.sendto(payload, (SERVER_V6, 7777))
            data, peer = server.recvfrom(2000)
            assert (data, peer) == (payload, (CLIENT_V4, client.getsockname()[1]))
            server.sendto(data[::-1], peer)
            data, peer = client.recvfrom(2000)
            assert (data, peer[:2]) == (payload[::-1], (SERVER_V6, 7777))
    assert checksum_errors(nat64.net) == {}
    assert nat64.stats() == [3, 3, 0, 0]


def test_tcp_connection_through_the_translator(nat64):
    a, b = nat64.net.a, nat64.net.b
    blob = bytes(range(256)) * 400
    with b.ns.socket(socket.AF_INET, socket.SOCK_STREAM, bind=(b.ipv4, 8080)) as listener:
        listener.listen()
        listener.settimeout(2)
        with a.ns.socket(socket.AF_INET6, socket.SOCK_STREAM, bind=(a.ipv6, 0)) as client:
            client.settimeout(5)
            client.connect((SERVER_V6, 8080))
            server, peer = listener.accept()
            with server:
                server.settimeout(5)
                assert peer == (CLIENT_V4, client.getsockname()[1])
                client.sendall(blob)
                assert recv_exactly(server, len(blob)) == blob
                server.sendall(blob[::-1])
                assert recv_exactly(client, len(blob)) == blob[::-1]
                client.shutdown(socket.SHUT_WR)
                assert server.recv(10) == b""
    assert checksum_errors(nat64.net) == {}
    assert nat64.stats()[2:] == [0, 0]


def recv_exactly(sock: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            break
        data += chunk
    return data


def test_unmapped_source_is_dropped_and_other_traffic_passes(nat64):
    a, b = nat64.net.a, nat64.net.b
    with b.ns.socket(socket.AF_INET, socket.SOCK_DGRAM, bind=(b.ipv4, 7777)) as server4, \
            b.ns.socket(socket.AF_INET6, socket.SOCK_DGRAM, bind=(b.ipv6, 7777)) as server6, \
            a.ns.socket(socket.AF_INET, socket.SOCK_DGRAM, bind=(a.ipv4, 7778)) as client4, \
            a.ns.socket(socket.AF_INET6, socket.SOCK_DGRAM, bind=(UNMAPPED_V6, 0)) as unmapped:
        for sock in (server4, server6, client4):
            sock.settimeout(1)
        unmapped.sendto(b"no mapping", (SERVER_V6, 7777))
        unmapped.sendto(b"plain ipv6", (b.ipv6, 7777))
        assert server6.recvfrom(100)[:1] == (b"plain ipv6",)
        client4.sendto(b"plain ipv4", (b.ipv4, 7777))
        data, peer = server4.recvfrom(100)
        assert (data, peer) == (b"plain ipv4", (a.ipv4, 7778))
        server4.sendto(b"plain reply", peer)
        assert client4.recvfrom(100) == (b"plain reply", (b.ipv4, 7777))
        server4.settimeout(0.3)
        with pytest.raises(TimeoutError):
            server4.recvfrom(100)
    assert nat64.stats() == [0, 0, 1, 0]


def test_udp_without_checksum_cannot_become_ipv6(nat64):
    a, b = nat64.net.a, nat64.net.b
    frame = P.udp_frame(sport=7777, dport=4000, src=b.ipv4, dst=CLIENT_V4, udp_checksum=0,
                        eth_src=b.mac, eth_dst=a.mac)
    with b.ns.socket(socket.AF_PACKET, socket.SOCK_RAW, 0, bind=(b.dev, 0)) as sock:
        with pytest.raises(OSError) as dropped:
            sock.send(frame)
    assert dropped.value.errno == errno.ENOBUFS   # what a tc egress drop returns to the sender
    deadline = time.monotonic() + 1
    while nat64.stats()[STAT_UNSUPPORTED] != 1 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert nat64.stats() == [0, 0, 0, 1]


def crafted_frames() -> tuple[list[bytes], list[bytes]]:
    """(IPv6 arriving, IPv4 leaving): each protocol the translator handles, each it refuses, and
    the malformed variants of a few."""
    v6 = {"src": P.IPV6_A, "dst": SERVER_V6}
    v4 = {"src": P.IPV4_B, "dst": CLIENT_V4, "eth_src": P.MAC_B, "eth_dst": P.MAC_A}
    ingress = [P.icmp_echo_frame(ident=5, seq=1, payload=b"ping" * 10, **v6),
               P.icmp_echo_frame(ident=5, seq=2, reply=True, **v6),
               P.udp_frame(1000, 7777, b"datagram", **v6), P.tcp_frame(1000, 8080, b"segment", flags=P.TCP_ACK, **v6),
               P.udp_frame(1000, 7777, b"x" * 1200, traffic_class=0xb8, hop_limit=3, **v6),
               P.udp_frame(1000, 7777, src=UNMAPPED_V6, dst=SERVER_V6), P.udp_frame(1000, 7777, src=P.IPV6_A, dst=P.IPV6_B),
               P.udp_frame(1000, 7777, ext_headers=[(P.IPPROTO_HOPOPTS, b"")], **v6),
               P.ethernet(P.ipv6(struct.pack("!BBHI", 1, 4, 0, 0), next_header=P.IPPROTO_ICMPV6, **v6),
                          ethertype=P.ETH_P_IPV6), P.udp_frame(1000, 7777)]
    egress = [P.icmp_echo_frame(ident=5, seq=1, payload=b"pong" * 10, reply=True, **v4),
              P.icmp_echo_frame(ident=6, seq=1, **v4), P.udp_frame(7777, 1000, b"datagram", **v4),
              P.tcp_frame(8080, 1000, b"segment", flags=P.TCP_ACK, **v4), P.udp_frame(7777, 1000, tos=0xb8, ttl=7, **v4),
              P.udp_frame(7777, 1000, udp_checksum=0, **v4), P.udp_frame(7777, 1000, options=b"\x01" * 4, **v4),
              P.with_ipv4_fields(P.udp_frame(7777, 1000, **v4), flags_frag=0x2000), P.udp_frame(7777, 1000),
              P.icmp_echo_frame(**v4)[:-2] + b"\x03\x00"]
    for frames, base in ((ingress, ingress[0]), (ingress, ingress[2]), (egress, egress[0]), (egress, egress[3])):
        frames += [frame for _, frame in P.malformed_variants(base) if len(frame) >= P.ETH_HLEN]
    return ingress, egress


@pytest.mark.clang
def test_matches_clang_on_crafted_and_malformed_frames(kernel, tmp_path):
    """Same verdicts, same translated packets and the same counters from both objects."""
    ingress, egress = crafted_frames()
    outcomes = []
    for compiler in ("bpfcc", "clang-19"):
        obj = kernel.load(build(compiler, SOURCE, tmp_path), prog_type="sched_cls")
        obj.map("nat64_v6_to_v4").update(P.ip_bytes(P.IPV6_A), P.ip_bytes(CLIENT_V4))
        obj.map("nat64_v4_to_v6").update(P.ip_bytes(CLIENT_V4), P.ip_bytes(P.IPV6_A))
        results = [(r.retval, r.data) if (r := run_frame(obj.program(prog), frame)) else None
                   for prog, frames in (("nat64_ingress", ingress), ("nat64_egress", egress)) for frame in frames]
        stats = [sum(struct.unpack("<Q", v)[0] for v in values) for _, values in sorted(obj.map("nat64_stats").items())]
        outcomes.append((results, stats))
    assert outcomes[0] == outcomes[1]
    results = outcomes[0][0]
    to_v4 = [P.parse(data) for _, data in results[:5]]
    to_v6 = [P.parse(data) for _, data in results[len(ingress):len(ingress) + 5]]
    assert [(f.ip_src, f.ip_dst, f.proto) for f in to_v4] == [(CLIENT_V4, P.IPV4_B, p) for p in (1, 1, 17, 6, 17)]
    assert [(f.ip_src, f.ip_dst, f.proto) for f in to_v6] == [(SERVER_V6, P.IPV6_A, p) for p in (58, 58, 17, 6, 17)]
    assert (to_v4[4].tos, to_v4[4].ttl, to_v6[4].tos, to_v6[4].ttl) == (0xb8, 3, 0xb8, 7)
    assert [f.icmp_type for f in to_v4[:2] + to_v6[:2]] == [P.ICMP_ECHO_REQUEST, P.ICMP_ECHO_REPLY,
                                                           P.ICMPV6_ECHO_REPLY, P.ICMPV6_ECHO_REQUEST]
    assert all(P.checksums_ok(f.raw) for f in to_v4 + to_v6)
