"""samples/identity_policy on real traffic: the endpoint is namespace b, its policy attached with
tc at ingress and egress of its device; namespace a holds remote peers of several identities
(10.200.0.1 and fd00:bfcc::1 in one, the rest of their subnets in another, 192.0.2.10 in
none: "world").  The test plays the agent: it writes the ipcache and the policy with bpftool,
sends UDP, TCP and ICMP from each peer, and checks what arrives and what the maps counted.

The endpoint's identity and addresses are compiled in through bpfcc's Python API (`defines=`)
and clang-19's -D; both objects must behave the same.
"""
from __future__ import annotations

import errno
import socket
import struct
import time
from dataclasses import dataclass

import pytest

from support import packets as P
from support.netns import VethPair, capture
from support.samples import COMPILERS, SAMPLES, build
from support.topology_b import Bpffs, bpffs_namespace, run_frame

SOURCE = SAMPLES / "identity_policy" / "identity_policy.c"

SECLABEL = 4242
DEFINES = {
    "SECLABEL": SECLABEL,
    "LXC_IPV4": "0x0ac80002",                                        # 10.200.0.2
    "LXC_IPV6": ",".join(f"{b:#04x}" for b in P.ip_bytes(P.IPV6_B)),  # fd00:bfcc::2
}
# Remote peers in namespace a, and the identities the ipcache gives them.
FRONTEND, CLUSTER, WORLD = 2000, 1000, 2
PEER_FRONTEND, PEER_CLUSTER, PEER_WORLD = "10.200.0.1", "10.200.0.3", "192.0.2.10"
PEER6_FRONTEND, PEER6_CLUSTER = "fd00:bfcc::1", "fd00:bfcc::3"

INGRESS, EGRESS = 0, 1
ANY = 0
# enum reason in identity_policy.c
ALLOWED, DENIED, NO_POLICY, AUDITED, SPOOFED, NOT_IP = range(6)
REASONS = 6
ENDPOINT_KEY_IPV4, ENDPOINT_KEY_IPV6 = 1, 2

IPCACHE_KEY = struct.Struct("<IHBB16s")     # prefixlen, cluster_id, pad, family, address
IPCACHE_VALUE = struct.Struct("<II")        # sec_identity, pad
POLICY_KEY = struct.Struct("<IBBH")         # sec_label, egress, protocol, dport (raw, network order)
POLICY_ENTRY = struct.Struct("<B7xQQ")      # deny, packets, bytes
FLOW_KEY = struct.Struct("<IIBBH")          # src and dst identity, protocol, reason, dport (raw)


def be16(port: int) -> int:
    """A port as the little-endian u16 whose bytes are the port in network order."""
    return int.from_bytes(port.to_bytes(2, "big"), "little")


def ipcache_key(prefix: str) -> bytes:
    address, length = prefix.split("/")
    raw = P.ip_bytes(address)
    family = ENDPOINT_KEY_IPV4 if len(raw) == 4 else ENDPOINT_KEY_IPV6
    return IPCACHE_KEY.pack(32 + int(length), 0, 0, family, raw.ljust(16, b"\0"))


def policy_key(identity: int, direction: int, proto: int = ANY, dport: int = ANY) -> bytes:
    return POLICY_KEY.pack(identity, direction, proto, be16(dport))


@dataclass
class Endpoint:
    """The attached endpoint: the test writes its maps as Cilium's agent would."""

    fs: Bpffs
    net: VethPair

    def set_identity(self, prefix: str, identity: int) -> None:
        self.fs.map_update("ipcache", ipcache_key(prefix), IPCACHE_VALUE.pack(identity, 0))

    def allow(self, *key: int) -> None:
        self.fs.map_update("ep_policy", policy_key(*key), POLICY_ENTRY.pack(0, 0, 0))

    def deny(self, *key: int) -> None:
        self.fs.map_update("ep_policy", policy_key(*key), POLICY_ENTRY.pack(1, 0, 0))

    def policy_counters(self, *key: int) -> tuple[int, int]:
        _, packets, nbytes = POLICY_ENTRY.unpack(self.fs.map_lookup("ep_policy", policy_key(*key)).value)
        return packets, nbytes

    def flow_log(self) -> dict[tuple[int, int, int, int, int], int]:
        """{(src identity, dst identity, protocol, reason, dport): packets}."""
        log = {}
        for e in self.fs.map_dump("flow_log"):
            src, dst, proto, reason, dport = FLOW_KEY.unpack(e.key)
            log[src, dst, proto, reason, be16(dport)] = struct.unpack("<Q", e.value)[0]
        return log

    def metrics(self, direction: int) -> list[int]:
        values = [e.percpu_sum() for e in sorted(self.fs.map_dump("policy_metrics"),
                                                 key=lambda e: struct.unpack("<I", e.key))]
        return values[direction * REASONS:(direction + 1) * REASONS]


def add_peers(net: VethPair) -> None:
    """More source addresses in namespace a, and the routes and neighbours b needs to answer."""
    a_batch = "\n".join([
        f"addr add {PEER_CLUSTER}/24 dev {net.a.dev}",
        f"addr add {PEER_WORLD}/32 dev {net.a.dev}",
        f"addr add {PEER6_CLUSTER}/64 dev {net.a.dev} nodad",
    ])
    b_batch = "\n".join([
        f"route add {PEER_WORLD}/32 dev {net.b.dev}",
        *(f"neigh replace {peer} lladdr {net.a.mac} dev {net.b.dev} nud permanent"
          for peer in (PEER_CLUSTER, PEER_WORLD, PEER6_CLUSTER)),
    ])
    net.a.ns.ip("-batch", "-", input=(a_batch + "\n").encode())
    net.b.ns.ip("-batch", "-", input=(b_batch + "\n").encode())


@pytest.fixture(params=COMPILERS)
def compiler(request) -> str:
    return request.param


@pytest.fixture
def attach(netns, bpftool, compiler, tmp_path):
    """attach(defines) -> Endpoint with the sample built with those defines, attached to b."""
    add_peers(netns)
    with bpffs_namespace() as fs:
        def attach_(defines: dict = DEFINES) -> Endpoint:
            obj = build(compiler, SOURCE, tmp_path, defines)
            fs.attach_tc(netns.b, obj, "tc/ingress", "ingress")
            fs.attach_tc(netns.b, obj, "tc/egress", "egress")
            return Endpoint(fs, netns)
        yield attach_


@pytest.fixture
def endpoint(attach) -> Endpoint:
    """The endpoint with the identities and the policy every test here starts from."""
    ep = attach()
    ep.set_identity("10.200.0.0/24", CLUSTER)
    ep.set_identity(f"{PEER_FRONTEND}/32", FRONTEND)
    ep.set_identity("fd00:bfcc::/64", CLUSTER)
    ep.set_identity(f"{PEER6_FRONTEND}/128", FRONTEND)
    ep.deny(FRONTEND, INGRESS, P.IPPROTO_UDP, 9999)
    ep.deny(CLUSTER, INGRESS, P.IPPROTO_UDP, 6000)
    ep.allow(CLUSTER, INGRESS, P.IPPROTO_UDP)                   # L3 + protocol: any port
    ep.allow(ANY, INGRESS, P.IPPROTO_UDP, 5353)                 # L4 only: any identity
    ep.allow(FRONTEND, INGRESS, P.IPPROTO_TCP, 8080)
    ep.allow(FRONTEND, INGRESS, P.IPPROTO_ICMP, P.ICMP_ECHO_REQUEST)
    ep.allow(FRONTEND, EGRESS)                                  # L3 only: replies
    ep.allow(CLUSTER, EGRESS)
    return ep


def udp_delivered(ep: Endpoint, flows: list[tuple[str, int]], count: int = 2) -> dict[tuple[str, int], int]:
    """Send `count` datagrams for each (source address in a, port of b); how many arrived."""
    a, b = ep.net.a, ep.net.b
    got = {flow: 0 for flow in flows}
    receivers = {}
    try:
        for port in {port for _, port in flows}:
            for family, addr in ((socket.AF_INET, b.ipv4), (socket.AF_INET6, b.ipv6)):
                sock = b.ns.socket(family, socket.SOCK_DGRAM, bind=(addr, port))
                sock.settimeout(0.3)
                receivers[family, port] = sock
        for src, port in flows:
            family = socket.AF_INET6 if P.is_ipv6(src) else socket.AF_INET
            with a.ns.socket(family, socket.SOCK_DGRAM, bind=(src, 0)) as sender:
                for i in range(count):
                    sender.sendto(f"{src} {i}".encode(), (b.addr(6 if P.is_ipv6(src) else 4), port))
        for (family, port), sock in receivers.items():
            while True:
                try:
                    data, peer = sock.recvfrom(100)
                except TimeoutError:
                    break
                got[data.decode().split()[0], port] += 1
    finally:
        for sock in receivers.values():
            sock.close()
    return got


def test_identity_and_port_decide_what_reaches_the_endpoint(endpoint):
    flows = {
        (PEER_FRONTEND, 5353): 2,       # L4-only allow
        (PEER_FRONTEND, 9999): 0,       # L3/L4 deny
        (PEER_FRONTEND, 7000): 0,       # no entry: default deny
        (PEER_CLUSTER, 7000): 2,        # L3 + protocol allow
        (PEER_CLUSTER, 6000): 0,        # L3/L4 deny beats the L3 + protocol allow
        (PEER_CLUSTER, 5353): 2,
        (PEER_WORLD, 5353): 2,          # in no prefix: world, still allowed by the L4-only rule
        (PEER_WORLD, 7000): 0,
        (PEER6_FRONTEND, 5353): 2,
        (PEER6_FRONTEND, 7000): 0,
        (PEER6_CLUSTER, 7000): 2,
    }
    assert udp_delivered(endpoint, list(flows)) == flows

    log = endpoint.flow_log()
    udp = P.IPPROTO_UDP
    assert log[FRONTEND, SECLABEL, udp, ALLOWED, 5353] == 4      # over IPv4 and IPv6
    assert log[FRONTEND, SECLABEL, udp, DENIED, 9999] == 2
    assert log[FRONTEND, SECLABEL, udp, NO_POLICY, 7000] == 4
    assert log[CLUSTER, SECLABEL, udp, ALLOWED, 7000] == 4
    assert log[CLUSTER, SECLABEL, udp, DENIED, 6000] == 2
    assert log[WORLD, SECLABEL, udp, ALLOWED, 5353] == 2
    assert log[WORLD, SECLABEL, udp, NO_POLICY, 7000] == 2
    ingress = endpoint.metrics(INGRESS)
    assert (ingress[ALLOWED], ingress[DENIED], ingress[NO_POLICY]) == (12, 4, 6)
    assert ingress[AUDITED] == ingress[SPOOFED] == 0


def test_allowed_packets_are_counted_on_their_policy_entry(endpoint):
    b = endpoint.net.b
    with capture(b) as cap:
        assert udp_delivered(endpoint, [(PEER_FRONTEND, 5353), (PEER_WORLD, 5353)], count=3) == {
            (PEER_FRONTEND, 5353): 3, (PEER_WORLD, 5353): 3}
        frames = cap.wait(lambda f: P.parse(f, strict=False).dport == 5353, count=6)
    assert endpoint.policy_counters(ANY, INGRESS, P.IPPROTO_UDP, 5353) == (6, sum(map(len, frames)))
    assert endpoint.policy_counters(CLUSTER, INGRESS, P.IPPROTO_UDP) == (0, 0)


def test_tcp_connection_needs_an_allowing_identity(endpoint):
    a, b = endpoint.net.a, endpoint.net.b
    with b.ns.socket(socket.AF_INET, socket.SOCK_STREAM, bind=(b.ipv4, 8080)) as listener:
        listener.listen()
        listener.settimeout(2)
        with a.ns.socket(socket.AF_INET, socket.SOCK_STREAM, bind=(PEER_FRONTEND, 0)) as client:
            client.settimeout(2)
            client.connect((b.ipv4, 8080))
            sport = client.getsockname()[1]
            server, _ = listener.accept()
            with server:
                client.sendall(b"allowed")
                assert server.recv(100) == b"allowed"
                server.sendall(b"reply")
                assert client.recv(100) == b"reply"
        with a.ns.socket(socket.AF_INET, socket.SOCK_STREAM, bind=(PEER_CLUSTER, 0)) as client:
            client.settimeout(0.5)
            with pytest.raises(TimeoutError):
                client.connect((b.ipv4, 8080))
    log = endpoint.flow_log()
    assert log[FRONTEND, SECLABEL, P.IPPROTO_TCP, ALLOWED, 8080] >= 4
    assert log[SECLABEL, FRONTEND, P.IPPROTO_TCP, ALLOWED, sport] >= 3
    assert log[CLUSTER, SECLABEL, P.IPPROTO_TCP, NO_POLICY, 8080] >= 1


def ping(ep: Endpoint, src: str, ident: int, timeout: float = 0.5) -> bool:
    """One ICMP echo from `src` in a to b; True if the reply came."""
    with ep.net.a.ns.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP, bind=(src, 0)) as sock:
        sock.settimeout(timeout)
        sock.sendto(P.icmp_echo(ident, 1, b"policy"), (ep.net.b.ipv4, 0))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                reply = P.parse(P.ethernet(sock.recv(1500), ethertype=P.ETH_P_IP))
            except TimeoutError:
                return False
            if reply.icmp_type == P.ICMP_ECHO_REPLY and reply.icmp_id == ident:
                return True
    return False


def test_icmp_rules_match_the_message_type(endpoint):
    assert ping(endpoint, PEER_FRONTEND, 0x100)
    assert not ping(endpoint, PEER_CLUSTER, 0x101)
    log = endpoint.flow_log()
    assert log[FRONTEND, SECLABEL, P.IPPROTO_ICMP, ALLOWED, P.ICMP_ECHO_REQUEST] == 1
    assert log[SECLABEL, FRONTEND, P.IPPROTO_ICMP, ALLOWED, P.ICMP_ECHO_REPLY] == 1   # the reply's type
    assert log[CLUSTER, SECLABEL, P.IPPROTO_ICMP, NO_POLICY, P.ICMP_ECHO_REQUEST] == 1


def egress_accepts(ep: Endpoint, frame: bytes) -> bool:
    """Send a raw frame out of b's device; False if tc egress dropped it (the send then fails
    with ENOBUFS, the errno of a dropped transmit)."""
    with ep.net.b.ns.socket(socket.AF_PACKET, socket.SOCK_RAW, 0, bind=(ep.net.b.dev, 0)) as sock:
        try:
            sock.send(frame)
        except OSError as e:
            if e.errno != errno.ENOBUFS:
                raise
            return False
    return True


def test_egress_from_another_address_is_spoofed(endpoint):
    """The endpoint's compiled-in LXC_IPV4 is the only source address it may send from."""
    a, b = endpoint.net.a, endpoint.net.b
    honest = P.udp_frame(sport=1000, dport=2000, src=b.ipv4, dst=a.ipv4, eth_src=b.mac, eth_dst=a.mac)
    spoofed = P.udp_frame(sport=1000, dport=2001, src="10.200.0.99", dst=a.ipv4, eth_src=b.mac, eth_dst=a.mac)
    before = endpoint.metrics(EGRESS)
    with capture(a) as cap:
        assert not egress_accepts(endpoint, spoofed)
        assert egress_accepts(endpoint, honest)
        arrived = cap.wait(lambda f: P.parse(f, strict=False).sport == 1000, count=2, timeout=0.5)
    assert arrived == [honest]
    after = endpoint.metrics(EGRESS)
    assert after[SPOOFED] - before[SPOOFED] == 1 and after[ALLOWED] - before[ALLOWED] == 1
    assert endpoint.flow_log()[SECLABEL, FRONTEND, P.IPPROTO_UDP, ALLOWED, 2000] == 1


def test_default_build_has_other_endpoint_addresses(attach):
    """Without the -D flags the endpoint is 10.0.0.2: everything b sends counts as spoofed."""
    ep = attach({})
    ep.set_identity(f"{PEER_FRONTEND}/32", FRONTEND)
    ep.allow(FRONTEND, INGRESS, P.IPPROTO_UDP)
    ep.allow(FRONTEND, EGRESS)
    a, b = ep.net.a, ep.net.b
    assert udp_delivered(ep, [(PEER_FRONTEND, 7000)]) == {(PEER_FRONTEND, 7000): 2}
    frame = P.udp_frame(sport=1000, dport=2000, src=b.ipv4, dst=a.ipv4, eth_src=b.mac, eth_dst=a.mac)
    with capture(a) as cap:
        assert not egress_accepts(ep, frame)
        assert cap.wait(lambda f: P.parse(f, strict=False).sport == 1000, timeout=0.5) == []
    assert ep.metrics(EGRESS)[SPOOFED] == 1
    assert ep.flow_log()[FRONTEND, 256, P.IPPROTO_UDP, ALLOWED, 7000] == 2   # the default SECLABEL


def test_audit_mode_lets_dropped_packets_pass_and_counts_them(attach):
    ep = attach({**DEFINES, "POLICY_AUDIT_MODE": 1})
    ep.set_identity(f"{PEER_FRONTEND}/32", FRONTEND)
    ep.deny(FRONTEND, INGRESS, P.IPPROTO_UDP, 9999)
    flows = [(PEER_FRONTEND, 7000), (PEER_FRONTEND, 9999), (PEER_WORLD, 7000)]
    assert udp_delivered(ep, flows) == {flow: 2 for flow in flows}
    ingress = ep.metrics(INGRESS)
    assert (ingress[NO_POLICY], ingress[DENIED], ingress[AUDITED], ingress[ALLOWED]) == (4, 2, 6, 0)


def crafted_frames() -> tuple[list[bytes], list[bytes]]:
    """(to the endpoint, from the endpoint): every kind of packet the parser meets, from each
    identity, and the malformed variants of a few."""
    b4, b6 = P.IPV4_B, P.IPV6_B
    hop = [(P.IPPROTO_HOPOPTS, b"")]
    ingress = []
    for src in (PEER_FRONTEND, PEER_CLUSTER, PEER_WORLD):
        ingress += [P.udp_frame(1000, port, src=src, dst=b4) for port in (5353, 6000, 7000, 9999)]
        ingress += [P.tcp_frame(1000, 8080, src=src, dst=b4), P.icmp_echo_frame(src=src, dst=b4)]
    for src in (PEER6_FRONTEND, PEER6_CLUSTER):
        ingress += [P.udp_frame(1000, port, src=src, dst=b6) for port in (5353, 7000)]
        ingress += [
            P.udp_frame(1000, 5353, src=src, dst=b6, ext_headers=hop),
            P.udp_frame(1000, 7000, src=src, dst=b6, ext_headers=hop + [(P.IPPROTO_DSTOPTS, b"\0" * 12)]),
            P.udp_frame(1000, 5353, src=src, dst=b6,
                        ext_headers=[(P.IPPROTO_FRAGMENT, P.ipv6_fragment_body(0, more=True))]),
            P.udp_frame(1000, 5353, src=src, dst=b6, ext_headers=[(P.IPPROTO_FRAGMENT, P.ipv6_fragment_body(3))]),
            P.udp_frame(1000, 5353, src=src, dst=b6, ext_headers=hop * 5),
            P.icmp_echo_frame(src=src, dst=b6),
        ]
    with_options = P.udp_frame(1000, 7000, src=PEER_CLUSTER, dst=b4, options=b"\x01\x01\x01\x00")
    with_hop = P.udp_frame(1000, 5353, src=PEER6_FRONTEND, dst=b6, ext_headers=hop)
    neighbour_solicitation = P.ethernet(P.ipv6(struct.pack("!BBHI", 135, 0, 0, 0) + bytes(16), src=PEER6_FRONTEND,
                                               dst=b6, next_header=P.IPPROTO_ICMPV6), ethertype=P.ETH_P_IPV6)
    ingress += [P.with_ipv4_fields(P.udp_frame(1000, 7000, src=PEER_CLUSTER, dst=b4), flags_frag=0x0008),
                with_options, neighbour_solicitation, P.arp_frame()]
    for base in (ingress[0], with_options, with_hop):
        ingress += [frame for _, frame in P.malformed_variants(base) if len(frame) >= P.ETH_HLEN]
    egress = [P.udp_frame(2000, 1000, src=b4, dst=dst) for dst in (PEER_FRONTEND, PEER_CLUSTER, PEER_WORLD)]
    egress += [P.udp_frame(2000, 1000, src=b6, dst=PEER6_FRONTEND), P.udp_frame(2000, 1000, src="10.200.0.99"),
               P.udp_frame(2000, 1000, src="fd00:bfcc::99", dst=PEER6_FRONTEND)]
    return ingress, egress


@pytest.mark.clang
def test_matches_clang_on_crafted_and_malformed_frames(kernel, tmp_path):
    """Same verdicts, flow log, counters and policy entries from both objects, given the same
    ipcache and policy."""
    ingress, egress = crafted_frames()
    ipcache = {ipcache_key("10.200.0.0/24"): CLUSTER, ipcache_key(f"{PEER_FRONTEND}/32"): FRONTEND,
               ipcache_key("fd00:bfcc::/64"): CLUSTER, ipcache_key(f"{PEER6_FRONTEND}/128"): FRONTEND}
    policy = {policy_key(FRONTEND, INGRESS, P.IPPROTO_UDP, 9999): 1, policy_key(CLUSTER, INGRESS, P.IPPROTO_UDP): 0,
              policy_key(ANY, INGRESS, P.IPPROTO_UDP, 5353): 0, policy_key(FRONTEND, INGRESS, P.IPPROTO_TCP, 8080): 0,
              policy_key(FRONTEND, INGRESS, P.IPPROTO_ICMP, P.ICMP_ECHO_REQUEST): 0,
              policy_key(FRONTEND, EGRESS): 0, policy_key(ANY, EGRESS, P.IPPROTO_UDP): 1}
    outcomes = []
    for compiler in ("bpfcc", "clang-19"):
        obj = kernel.load(build(compiler, SOURCE, tmp_path, DEFINES), prog_type="sched_cls")
        for key, identity in ipcache.items():
            obj.map("ipcache").update(key, IPCACHE_VALUE.pack(identity, 0))
        for key, deny in policy.items():
            obj.map("ep_policy").update(key, POLICY_ENTRY.pack(deny, 0, 0))
        verdicts = [getattr(run_frame(obj.program(prog), frame), "retval", None)
                    for prog, frames in (("policy_ingress", ingress), ("policy_egress", egress)) for frame in frames]
        state = {name: sorted(obj.map(name).items()) for name in ("ep_policy", "flow_log")}
        state["policy_metrics"] = [sum(struct.unpack("<Q", v)[0] for v in values)   # whichever CPU ran it
                                   for _, values in sorted(obj.map("policy_metrics").items())]
        outcomes.append((verdicts, state))
    assert outcomes[0] == outcomes[1]
    verdicts = outcomes[0][0]
    assert verdicts.count(0) > 20 and verdicts.count(2) > 20
