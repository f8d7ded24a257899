"""samples/tc_tunnel: an overlay over VXLAN (tunnel key on an external device) and IP-in-IP
(headers written by the program with bpf_skb_adjust_room), on real traffic.

Two nodes and a rogue host share an underlay LAN.  Node N owns the pod prefixes 10.210.N.0/24
(reached over VXLAN) and 10.211.N.0/24 (over IP-in-IP) and holds .1 of each on lo.  Routes send
the other node's VXLAN prefix to vxlan0 (collect-metadata) and its IP-in-IP prefix straight to
the other node on eth0; the sample's four programs, attached with tc, do the rest.
"""
from __future__ import annotations

import hashlib
import os
import socket
import struct
import threading
from dataclasses import dataclass

import pytest

from support import packets as P
from support.netns import Endpoint, capture, send_frames
from support.samples import COMPILERS, SAMPLES, build
from support.topology import BpftoolMap, attached_maps, lan, tc_prog_ids

SOURCE = SAMPLES / "tc_tunnel" / "tc_tunnel.c"
NODES = ("node1", "node2")
VXLAN_PORT = 4789
VNI = 4242                  # of the tunnel between the nodes, the same at both ends
VXLAN_MTU = 1450
IPIP_MTU = 1480
TUNNEL_VXLAN, TUNNEL_IPIP = 1, 2
STAT_VXLAN_ENCAP, STAT_VXLAN_DECAP, STAT_IPIP_ENCAP, STAT_IPIP_DECAP, STAT_NO_TUNNEL, STAT_SPOOFED = range(6)
IPPROTO_IPIP = 4

pytestmark = pytest.mark.netns


def vxlan_pod(n: int) -> str:
    return f"10.210.{n}.1"


def ipip_pod(n: int) -> str:
    return f"10.211.{n}.1"


def vxlan_mac(n: int) -> str:
    return f"02:00:00:03:00:{n:02x}"


def prefix_key(addr: str, length: int) -> bytes:
    return struct.pack("<I", length) + P.ip_bytes(addr)


def tunnel_entry(remote: str, local: str, vni: int, mode: int) -> bytes:
    return P.ip_bytes(remote) + P.ip_bytes(local) + struct.pack("<II", vni, mode)


@dataclass
class Overlay:
    net: object
    maps: dict[tuple[str, str], dict[str, BpftoolMap]]   # (node, program) -> that attachment's maps

    def node(self, n: int) -> Endpoint:
        return self.net[NODES[n - 1]]

    def stat(self, node: int, program: str, index: int) -> int:
        values = self.maps[(NODES[node - 1], program)]["tunnel_stats"].lookup(struct.pack("<I", index))
        return sum(struct.unpack("<Q", v)[0] for v in values)


@pytest.fixture(params=COMPILERS)
def overlay(request, tmp_path):
    request.getfixturevalue("_stale_netns_swept")
    obj = build(request.param, SOURCE, tmp_path)
    with lan([*NODES, "rogue"]) as net:
        maps = {}
        for n, name in enumerate(NODES, 1):
            host = net[name]
            peer_n = 3 - n
            peer = net[NODES[peer_n - 1]]
            batch = [
                f"addr add {vxlan_pod(n)}/32 dev lo",
                f"addr add {ipip_pod(n)}/32 dev lo",
                f"link add vxlan0 address {vxlan_mac(n)} mtu {VXLAN_MTU} type vxlan external dstport {VXLAN_PORT}",
                "link set dev vxlan0 addrgenmode none",
                "link set dev vxlan0 up",
                f"neigh add 10.210.{peer_n}.254 lladdr {vxlan_mac(peer_n)} dev vxlan0 nud permanent",
                f"route add 10.210.{peer_n}.0/24 via 10.210.{peer_n}.254 dev vxlan0 onlink src {vxlan_pod(n)}",
                f"route add 10.211.{peer_n}.0/24 via {peer.ipv4} dev eth0 src {ipip_pod(n)} mtu {IPIP_MTU}",
            ]
            host.ns.ip("-batch", "-", input=("\n".join(batch) + "\n").encode())
            vxlan = Endpoint(host.ns, "vxlan0", vxlan_mac(n), "", "", 0)
            for dev, direction, section in ((host, "ingress", "ipip-ingress"), (host, "egress", "ipip-egress"),
                                            (vxlan, "ingress", "vxlan-ingress"), (vxlan, "egress", "vxlan-egress")):
                dev.attach_tc(obj, section, direction)
                (prog_id,) = tc_prog_ids(dev, direction)
                m = maps[(name, section)] = attached_maps(prog_id)
                m["tunnel_map"].update(prefix_key(f"10.210.{peer_n}.0", 24),
                                       tunnel_entry(peer.ipv4, host.ipv4, VNI, TUNNEL_VXLAN))
                m["tunnel_map"].update(prefix_key(f"10.211.{peer_n}.0", 24),
                                       tunnel_entry(peer.ipv4, host.ipv4, 0, TUNNEL_IPIP))
        yield Overlay(net, maps)


def udp_exchange(src: Endpoint, src_addr: str, dst: Endpoint, dst_addr: str, payload: bytes) -> bytes:
    """Send payload from src_addr to dst_addr:7 and have it echoed back; what came back."""
    with dst.ns.socket(socket.AF_INET, socket.SOCK_DGRAM, bind=(dst_addr, 7)) as server, \
            src.ns.socket(socket.AF_INET, socket.SOCK_DGRAM, bind=(src_addr, 0)) as client:
        server.settimeout(2)
        client.settimeout(2)
        client.sendto(payload, (dst_addr, 7))
        data, peer = server.recvfrom(65536)
        assert peer[0] == src_addr
        server.sendto(data, peer)
        return client.recv(65536)


def tcp_transfer(src: Endpoint, src_addr: str, dst: Endpoint, dst_addr: str, size: int) -> str:
    """Upload `size` random bytes over TCP; the sha256 the receiver computed."""
    data = os.urandom(size)
    digest: list[str] = []
    with dst.ns.socket(socket.AF_INET, socket.SOCK_STREAM, bind=(dst_addr, 5001)) as listener:
        listener.listen(1)
        listener.settimeout(5)

        def receive() -> None:
            conn, _ = listener.accept()
            with conn:
                conn.settimeout(5)
                h = hashlib.sha256()
                while chunk := conn.recv(65536):
                    h.update(chunk)
                digest.append(h.hexdigest())
        thread = threading.Thread(target=receive)
        thread.start()
        with src.ns.socket(socket.AF_INET, socket.SOCK_STREAM, bind=(src_addr, 0)) as sock:
            sock.settimeout(5)
            sock.connect((dst_addr, 5001))
            sock.sendall(data)
        thread.join(10)
    assert digest == [hashlib.sha256(data).hexdigest()]
    return digest[0]


def ping(src: Endpoint, src_addr: str, dst_addr: str) -> bool:
    with src.ns.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP, bind=(src_addr, 0)) as sock:
        sock.settimeout(2)
        sock.sendto(P.icmp_echo(0x7E, 1, b"over the overlay"), (dst_addr, 0))
        while True:
            packet = sock.recv(2048)
            if packet[20] == P.ICMP_ECHO_REPLY:
                return packet[12:16] == P.ip_bytes(dst_addr) and packet[28:] == b"over the overlay"


def vxlan_frames(frame: bytes) -> bool:
    return frame[12:14] == b"\x08\x00" and frame[23] == P.IPPROTO_UDP and frame[36:38] == struct.pack("!H", VXLAN_PORT)


def ipip_frames(frame: bytes) -> bool:
    return frame[12:14] == b"\x08\x00" and frame[23] == IPPROTO_IPIP


def test_vxlan_carries_udp_tcp_and_icmp(overlay):
    n1, n2 = overlay.node(1), overlay.node(2)
    with capture(n2) as wire:
        assert udp_exchange(n1, vxlan_pod(1), n2, vxlan_pod(2), b"x" * 1400) == b"x" * 1400
        (frame,) = wire.wait(lambda f: vxlan_frames(f) and f.endswith(b"x" * 1400))
    # One datagram each way, each through both ends' programs.
    assert [overlay.stat(1, "vxlan-egress", STAT_VXLAN_ENCAP), overlay.stat(2, "vxlan-ingress", STAT_VXLAN_DECAP),
            overlay.stat(2, "vxlan-egress", STAT_VXLAN_ENCAP), overlay.stat(1, "vxlan-ingress", STAT_VXLAN_DECAP)] \
        == [1, 1, 1, 1]
    # vxlan0 keeps its offloads: TCP hands it large segments, which it splits after encapsulating.
    tcp_transfer(n1, vxlan_pod(1), n2, vxlan_pod(2), 1 << 20)
    assert ping(n1, vxlan_pod(1), vxlan_pod(2))
    assert overlay.stat(2, "vxlan-ingress", STAT_VXLAN_DECAP) > 2
    assert overlay.stat(1, "ipip-egress", STAT_IPIP_ENCAP) == 0

    # On the wire: UDP to 4789 from node1's underlay address, a VXLAN header with the tunnel key's
    # VNI, and the inner frame to node2's vxlan0.
    outer = P.parse(frame)
    assert (outer.ip_src, outer.ip_dst, outer.ttl, outer.l4_checksum) == (n1.ipv4, n2.ipv4, 64, 0)
    vxlan = frame[42:50]
    assert vxlan[0] == 0x08 and int.from_bytes(vxlan[4:7], "big") == VNI
    inner = P.parse(frame[50:])
    assert (inner.eth_dst, inner.ip_src, inner.ip_dst) == (vxlan_mac(2), vxlan_pod(1), vxlan_pod(2))
    assert P.checksums_ok(frame[50:])


def test_ipip_carries_udp_tcp_and_icmp(overlay):
    n1, n2 = overlay.node(1), overlay.node(2)
    payload = b"y" * 1400
    with capture(n2) as wire:
        assert udp_exchange(n1, ipip_pod(1), n2, ipip_pod(2), payload) == payload
        (frame,) = wire.wait(lambda f: ipip_frames(f) and f.endswith(payload))
    assert [overlay.stat(1, "ipip-egress", STAT_IPIP_ENCAP), overlay.stat(2, "ipip-ingress", STAT_IPIP_DECAP),
            overlay.stat(2, "ipip-egress", STAT_IPIP_ENCAP), overlay.stat(1, "ipip-ingress", STAT_IPIP_DECAP)] \
        == [1, 1, 1, 1]
    # TCP hands tc egress large GSO batches even though eth0 has no offloads; the program marks
    # them IP-in-IP (BPF_F_ADJ_ROOM_ENCAP_L3_IPV4), so the software segmentation after tc cuts
    # them into whole encapsulated segments, each of which node2 strips on its own.
    tcp_transfer(n1, ipip_pod(1), n2, ipip_pod(2), 1 << 20)
    assert ping(n1, ipip_pod(1), ipip_pod(2))
    assert overlay.stat(2, "ipip-ingress", STAT_IPIP_DECAP) >= 2 + (1 << 20) // (IPIP_MTU - 40)
    assert overlay.stat(2, "ipip-ingress", STAT_SPOOFED) == 0
    assert overlay.stat(1, "vxlan-egress", STAT_VXLAN_ENCAP) == 0

    outer = P.parse(frame, strict=False)
    assert (outer.eth_src, outer.eth_dst) == (n1.mac, n2.mac)
    assert (outer.ip_src, outer.ip_dst, outer.ttl, outer.ihl, outer.proto) == (n1.ipv4, n2.ipv4, 64, 5, IPPROTO_IPIP)
    assert P.ipv4_checksum_ok(frame)
    inner = frame[:14] + frame[34:]
    assert outer.total_length == 20 + len(frame) - 34
    assert P.parse(inner).ip_src == ipip_pod(1) and P.checksums_ok(inner)
    assert outer.df == P.parse(inner).df


def test_tunnels_only_accept_the_owner_of_a_prefix(overlay):
    n1, n2, rogue = overlay.node(1), overlay.node(2), overlay.net["rogue"]
    inner = lambda src, dst: P.ipv4(P.udp(b"spoofed", src=src, dst=dst, dport=7), src=src, dst=dst,  # noqa: E731
                                    proto=P.IPPROTO_UDP)
    vxlan = lambda src_ip, inner_src, vni: P.ethernet(  # noqa: E731
        P.ipv4(P.udp(struct.pack("!B3xI", 0x08, vni << 8)
                     + P.ethernet(inner(inner_src, vxlan_pod(2)), ethertype=P.ETH_P_IP, src=vxlan_mac(1),
                                  dst=vxlan_mac(2)),
                     src=src_ip, dst=n2.ipv4, sport=40000, dport=VXLAN_PORT, checksum=0),
               src=src_ip, dst=n2.ipv4, proto=P.IPPROTO_UDP),
        ethertype=P.ETH_P_IP, src=rogue.mac, dst=n2.mac)
    ipip = lambda src_ip, inner_src: P.ethernet(  # noqa: E731
        P.ipv4(inner(inner_src, ipip_pod(2)), src=src_ip, dst=n2.ipv4, proto=IPPROTO_IPIP),
        ethertype=P.ETH_P_IP, src=rogue.mac, dst=n2.mac)
    with n2.ns.socket(socket.AF_INET, socket.SOCK_DGRAM, bind=("0.0.0.0", 7)) as sock:
        sock.settimeout(0.5)
        send_frames(rogue, [
            vxlan(rogue.ipv4, vxlan_pod(1), VNI),   # the rogue speaks for node1's pods
            vxlan(n1.ipv4, vxlan_pod(1), 999),      # node1's address, the wrong VNI
            ipip(rogue.ipv4, ipip_pod(1)),          # the rogue speaks for node1's pods
            ipip(n1.ipv4, "10.211.9.1"),            # node1, but for a prefix nobody owns
        ])
        with pytest.raises(TimeoutError):
            sock.recv(100)
        assert overlay.stat(2, "vxlan-ingress", STAT_SPOOFED) == 2
        assert overlay.stat(2, "ipip-ingress", STAT_SPOOFED) == 2
        # The same packets from their rightful sender get through.
        send_frames(rogue, [vxlan(n1.ipv4, vxlan_pod(1), VNI), ipip(n1.ipv4, ipip_pod(1))])
        assert {sock.recvfrom(100)[1][0] for _ in range(2)} == {vxlan_pod(1), ipip_pod(1)}
