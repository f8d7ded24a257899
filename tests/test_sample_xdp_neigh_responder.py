"""samples/xdp_neigh_responder: ARP and neighbour discovery answered in XDP, on real traffic.

The responder runs on b's veth1 (generic XDP).  a's kernel resolves the configured addresses
with its own ARP requests and neighbour solicitations when a socket sends to them; the program
answers with XDP_TX, so a's neighbour table ends up holding the configured MACs.  "Phantom"
addresses are held by nobody (only the program can have answered); "hosted" ones are on b's
lo and announced with b's MAC, so ICMP and TCP to them really flow after resolution.
"""
from __future__ import annotations

import json
import socket
import struct
import time

import pytest

from support import packets as P
from support.netns import Endpoint, capture, send_frames
from support.samples import COMPILERS, SAMPLES, build
from support.topology import attached_maps, xdp_prog_id

SOURCE = SAMPLES / "xdp_neigh_responder" / "xdp_neigh_responder.c"
PHANTOM_V4, PHANTOM_V6, PHANTOM_MAC = "10.200.0.77", "fd00:bfcc::77", "02:00:00:00:00:77"
HOSTED_V4, HOSTED_V6 = "10.200.0.88", "fd00:bfcc::88"
NEIGH_F_ROUTER = 1
STAT_ARP_REPLY, STAT_NA_UNICAST, STAT_NA_MULTICAST = range(3)
NS, NA = 135, 136
ND_OPT_TARGET_LL_ADDR = 2
ND_FLAG_ROUTER, ND_FLAG_SOLICITED, ND_FLAG_OVERRIDE = 0x80, 0x40, 0x20
ARP_HEADER = struct.pack("!HHBB", 1, P.ETH_P_IP, 6, 4)

pytestmark = pytest.mark.netns


@pytest.fixture(params=COMPILERS)
def responder(request, netns, tmp_path):
    """netns with the responder on b, the phantom and hosted entries configured; yields b's maps."""
    b = netns.b
    b.attach_xdp(build(request.param, SOURCE, tmp_path), "xdp")
    maps = attached_maps(xdp_prog_id(b))
    entry = lambda mac, flags=0: P.mac(mac) + struct.pack("<H", flags)  # noqa: E731
    maps["arp_entries"].update(P.ip_bytes(PHANTOM_V4), entry(PHANTOM_MAC))
    maps["arp_entries"].update(P.ip_bytes(HOSTED_V4), entry(b.mac))
    maps["nd_entries"].update(P.ip_bytes(PHANTOM_V6), entry(PHANTOM_MAC))
    maps["nd_entries"].update(P.ip_bytes(HOSTED_V6), entry(b.mac, NEIGH_F_ROUTER))
    b.ns.ip("addr", "add", f"{HOSTED_V4}/32", "dev", "lo")
    b.ns.ip("addr", "add", f"{HOSTED_V6}/128", "dev", "lo")
    return maps


def stat(maps, index: int) -> int:
    return sum(struct.unpack("<Q", v)[0] for v in maps["neigh_stats"].lookup(struct.pack("<I", index)))


def neighbour(ep: Endpoint, addr: str, timeout: float = 2.0) -> dict | None:
    """ep's neighbour entry for addr once resolution has finished (None if there is none)."""
    deadline = time.monotonic() + timeout
    while True:
        entries = json.loads(ep.ns.ip("-j", "neigh", "show", "to", addr, "dev", ep.dev).stdout or b"[]")
        if not entries or entries[0].get("state") != ["INCOMPLETE"] or time.monotonic() > deadline:
            return entries[0] if entries else None
        time.sleep(0.02)


def send_udp(ep: Endpoint, addr: str, port: int = 9) -> None:
    """One datagram from ep to addr: the kernel resolves addr first."""
    family = socket.AF_INET6 if ":" in addr else socket.AF_INET
    with ep.ns.socket(family, socket.SOCK_DGRAM) as sock:
        sock.sendto(b"who has it?", (addr, port))


def solicitation(target: str, *, src: str, dst: str, eth_dst: str, hop_limit: int = 255,
                 source_lladdr: str | None = None) -> bytes:
    """A neighbour solicitation frame from a (RFC 4861 4.3), with a correct checksum."""
    options = b"" if source_lladdr is None else struct.pack("!BB6s", 1, 1, P.mac(source_lladdr))
    msg = struct.pack("!BBHI16s", NS, 0, 0, 0, P.ip_bytes(target)) + options
    csum = P.checksum(P.pseudo_header(src, dst, P.IPPROTO_ICMPV6, len(msg)) + msg)
    msg = msg[:2] + struct.pack("!H", csum) + msg[4:]
    return P.ethernet(P.ipv6(msg, src=src, dst=dst, next_header=P.IPPROTO_ICMPV6, hop_limit=hop_limit),
                      ethertype=P.ETH_P_IPV6, src=P.MAC_A, dst=eth_dst)


def is_arp_reply(frame: bytes) -> bool:
    return frame[12:14] == b"\x08\x06" and frame[20:22] == b"\x00\x02"


def is_advert(frame: bytes) -> bool:
    return frame[12:14] == b"\x86\xdd" and frame[20] == P.IPPROTO_ICMPV6 and frame[54] == NA


def check_advert(frame: bytes, *, target: str, mac: str, dst: str, eth_dst: str, flags: int) -> None:
    """An advertisement as RFC 4861 4.4 and 7.2.4 want it, with one target link-layer option."""
    f = P.parse(frame)
    assert (f.eth_src, f.eth_dst) == (mac, eth_dst)
    assert (f.ip_src, f.ip_dst, f.ttl, f.total_length) == (target, dst, 255, 32)
    assert (f.icmp_type, f.icmp_code) == (NA, 0)
    assert P.l4_checksum_ok(frame), "ICMPv6 checksum over the pseudo-header"
    body = frame[f.l4:]
    assert body[4] == flags and body[5:8] == b"\0\0\0"
    assert body[8:24] == P.ip_bytes(target)
    assert body[24:32] == struct.pack("!BB6s", ND_OPT_TARGET_LL_ADDR, 1, P.mac(mac))


def test_arp_request_for_a_phantom_address_is_answered(responder, netns):
    a = netns.a
    with capture(a) as cap:
        send_udp(a, PHANTOM_V4)
        (reply,) = cap.wait(is_arp_reply)
    f = P.parse(reply)
    assert (f.eth_src, f.eth_dst) == (PHANTOM_MAC, a.mac)
    assert reply[14:20] == ARP_HEADER
    assert (f.arp_sha, f.arp_spa, f.arp_tha, f.arp_tpa) == (PHANTOM_MAC, PHANTOM_V4, a.mac, a.ipv4)
    entry = neighbour(a, PHANTOM_V4)
    assert entry["lladdr"] == PHANTOM_MAC and entry["state"] == ["REACHABLE"]
    assert stat(responder, STAT_ARP_REPLY) == 1


def test_solicitation_for_a_phantom_address_is_answered(responder, netns):
    a = netns.a
    with capture(a) as cap:
        send_udp(a, PHANTOM_V6)
        (advert,) = cap.wait(is_advert)
    check_advert(advert, target=PHANTOM_V6, mac=PHANTOM_MAC, dst=a.ipv6, eth_dst=a.mac,
                 flags=ND_FLAG_SOLICITED | ND_FLAG_OVERRIDE)
    entry = neighbour(a, PHANTOM_V6)
    assert entry["lladdr"] == PHANTOM_MAC and entry["state"] == ["REACHABLE"] and "router" not in entry
    assert stat(responder, STAT_NA_UNICAST) == 1


def test_resolved_hosted_addresses_carry_icmp_and_tcp(responder, netns):
    a, b = netns.a, netns.b
    for family, addr, proto, request, reply in ((socket.AF_INET, HOSTED_V4, socket.IPPROTO_ICMP, 8, 0),
                                                (socket.AF_INET6, HOSTED_V6, socket.IPPROTO_ICMPV6, 128, 129)):
        with a.ns.socket(family, socket.SOCK_RAW, proto) as ping:
            ping.settimeout(2)
            echo = struct.pack("!BBHHH", request, 0, 0, 0x7E57, 1) + b"are you there"
            if family == socket.AF_INET:
                echo = P.icmp_echo(0x7E57, 1, b"are you there")   # IPv6 raw sockets sum themselves
            ping.sendto(echo, (addr, 0))
            while True:
                packet = ping.recv(2048)
                message = packet[(packet[0] & 0xF) * 4:] if family == socket.AF_INET else packet
                if message[0] == reply:
                    break
            assert message[4:] == echo[4:]
        with b.ns.socket(family, socket.SOCK_STREAM, bind=(addr, 8080)) as server, \
                a.ns.socket(family, socket.SOCK_STREAM) as client:
            server.listen(1)
            client.settimeout(2)
            client.connect((addr, 8080))
            conn, _ = server.accept()
            with conn:
                client.sendall(b"hello over a resolved neighbour")
                assert conn.recv(100) == b"hello over a resolved neighbour"
    assert neighbour(a, HOSTED_V4)["lladdr"] == b.mac
    entry = neighbour(a, HOSTED_V6)
    assert entry["lladdr"] == b.mac and "router" in entry, "the entry's Router flag reached a's table"
    assert stat(responder, STAT_ARP_REPLY) >= 1 and stat(responder, STAT_NA_UNICAST) >= 1


def test_duplicate_address_detection_is_answered_to_all_nodes(responder, netns):
    a = netns.a
    probe = solicitation(PHANTOM_V6, src="::", dst="ff02::1:ff00:77", eth_dst="33:33:ff:00:00:77")
    with capture(a) as cap:
        send_frames(a, [probe])
        (advert,) = cap.wait(is_advert)
    # The probe carried no option; the advertisement grew by one.
    check_advert(advert, target=PHANTOM_V6, mac=PHANTOM_MAC, dst="ff02::1", eth_dst="33:33:00:00:00:01",
                 flags=ND_FLAG_OVERRIDE)
    assert stat(responder, STAT_NA_MULTICAST) == 1


def test_other_requests_reach_the_stack(responder, netns):
    a, b = netns.a, netns.b
    # b's own addresses are not configured: b's kernel answers (a forgets its static entries).
    a.ns.ip("neigh", "del", b.ipv4, "dev", a.dev)
    a.ns.ip("neigh", "del", b.ipv6, "dev", a.dev)
    send_udp(a, b.ipv4)
    send_udp(a, b.ipv6)
    assert neighbour(a, b.ipv4)["lladdr"] == b.mac
    assert neighbour(a, b.ipv6)["lladdr"] == b.mac
    # Invalid solicitations and gratuitous ARP get no answer from the program.
    forwarded = solicitation(PHANTOM_V6, src=a.ipv6, dst="ff02::1:ff00:77", eth_dst="33:33:ff:00:00:77",
                             hop_limit=64, source_lladdr=a.mac)
    gratuitous = P.ethernet(P.arp(sender_ip=PHANTOM_V4, target_ip=PHANTOM_V4), ethertype=P.ETH_P_ARP,
                            dst="ff:ff:ff:ff:ff:ff")
    with capture(a) as cap:
        send_frames(a, [forwarded, gratuitous])
        assert cap.wait(lambda f: is_advert(f) or is_arp_reply(f), timeout=0.5) == []
    assert [stat(responder, i) for i in range(3)] == [0, 0, 0]
