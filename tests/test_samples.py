"""The samples, compiled by bpfcc, run in the kernel on real packets and on real traffic.

Each sample is also compiled by clang-19 and must give the same verdicts.
"""
from __future__ import annotations

import socket
from pathlib import Path

import pytest

import bpfcc
from support import packets as P
from support.netns import udp_probe

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
XDP_ABORTED, XDP_DROP, XDP_PASS = 0, 1, 2
TC_ACT_OK = 0
IP_TTL, IP_RECVTTL = 2, 12  # <linux/in.h>; Python's socket module lacks IP_RECVTTL


def build(tmp_path: Path, name: str, **defines) -> Path:
    source = SAMPLES / name / f"{name}.c"
    out = tmp_path / f"{name}.bpfcc.o"
    result = bpfcc.compile_file(str(source), out=str(out), defines=defines or None)
    assert result.ok, "\n".join(d.message for d in result.diagnostics)
    return out


def port_filter_cases() -> list[tuple[str, bytes, int]]:
    udp9 = P.udp_frame(dport=9)
    cases = [
        ("udp4 blocked", udp9, XDP_DROP),
        ("udp4 allowed", P.udp_frame(dport=53), XDP_PASS),
        ("tcp4 blocked", P.tcp_frame(dport=9), XDP_DROP),
        ("tcp4 allowed", P.tcp_frame(dport=80), XDP_PASS),
        ("udp6 blocked", P.udp_frame(dport=9, src=P.IPV6_A, dst=P.IPV6_B), XDP_DROP),
        ("tcp6 allowed", P.tcp_frame(dport=443, src=P.IPV6_A, dst=P.IPV6_B), XDP_PASS),
        ("vlan udp4 blocked", P.udp_frame(dport=9, vlan=100), XDP_DROP),
        ("ip options", P.udp_frame(dport=9, options=b"\x01\x01\x01\x00"), XDP_DROP),
        ("icmp", P.icmp_echo_frame(), XDP_PASS),
        ("arp", P.arp_frame(), XDP_PASS),
        ("later fragment", P.with_ipv4_fields(udp9, flags_frag=0x0010), XDP_PASS),
        ("bad ihl", P.with_ipv4_fields(udp9, ihl=4), XDP_ABORTED),
        ("truncated ethernet", udp9[:10] + b"\0" * 4, XDP_PASS),
        ("truncated ip", udp9[:20], XDP_ABORTED),
        ("truncated udp", udp9[:38], XDP_ABORTED),
    ]
    return cases


@pytest.mark.parametrize("name,frame,verdict", port_filter_cases(), ids=[c[0] for c in port_filter_cases()])
def test_xdp_port_filter_verdicts(kernel, tmp_path, name, frame, verdict):
    obj = kernel.load(build(tmp_path, "xdp_port_filter"))
    assert obj.program("xdp_port_filter").run(frame).retval == verdict


def test_xdp_port_filter_matches_clang_on_every_malformed_frame(kernel, clang_compile, tmp_path):
    ours = kernel.load(build(tmp_path, "xdp_port_filter")).program("xdp_port_filter")
    theirs = kernel.load(clang_compile(SAMPLES / "xdp_port_filter" / "xdp_port_filter.c")).program("xdp_port_filter")
    frames = [frame for _, frame, _ in port_filter_cases()]
    for base in (P.udp_frame(dport=9), P.tcp_frame(dport=9, src=P.IPV6_A, dst=P.IPV6_B)):
        frames += [frame for _, frame in P.malformed_variants(base) if len(frame) >= 14]
    for frame in frames:
        assert ours.run(frame).retval == theirs.run(frame).retval, frame.hex()


def test_xdp_port_filter_port_is_a_build_constant(kernel, tmp_path):
    prog = kernel.load(build(tmp_path, "xdp_port_filter", BLOCKED_PORT=53)).program("xdp_port_filter")
    assert prog.run(P.udp_frame(dport=53)).retval == XDP_DROP
    assert prog.run(P.udp_frame(dport=9)).retval == XDP_PASS


def test_tc_rewrite_output_packet(kernel, clang_compile, tmp_path):
    frame = P.udp_frame(dport=5000, payload=b"rewrite me")
    for path in (build(tmp_path, "tc_rewrite"), clang_compile(SAMPLES / "tc_rewrite" / "tc_rewrite.c")):
        result = kernel.load(path).program("tc_rewrite").run(frame)
        assert result.retval == TC_ACT_OK
        out = P.parse(result.data)
        assert (out.dport, out.ttl) == (5001, 42)
        assert P.ipv4_checksum_ok(result.data) and P.l4_checksum_ok(result.data)
        assert result.data[42:] == b"rewrite me"


@pytest.mark.parametrize("frame", [P.udp_frame(dport=5001), P.tcp_frame(dport=5000), P.udp_frame(dport=5000)[:40],
                                   P.udp_frame(dport=5000, src=P.IPV6_A, dst=P.IPV6_B)],
                         ids=["other port", "tcp", "truncated", "ipv6"])
def test_tc_rewrite_leaves_other_packets_alone(kernel, tmp_path, frame):
    result = kernel.load(build(tmp_path, "tc_rewrite")).program("tc_rewrite").run(frame)
    assert result.retval == TC_ACT_OK and result.data == frame


def test_xdp_port_filter_attached_with_ip_drops_real_traffic(netns, tmp_path):
    netns.b.attach_xdp(build(tmp_path, "xdp_port_filter"), "xdp")
    got = udp_probe(netns.a, netns.b, [9, 53], count=3)
    assert got == {9: 0, 53: 3}
    got6 = udp_probe(netns.a, netns.b, [9, 53], count=3, family=6)
    assert got6 == {9: 0, 53: 3}


def test_tc_rewrite_attached_with_tc_redirects_real_traffic(netns, tmp_path):
    netns.b.attach_tc(build(tmp_path, "tc_rewrite"), "tc")

    def receiver() -> socket.socket:
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.setsockopt(socket.IPPROTO_IP, IP_RECVTTL, 1)
        sock.bind((netns.b.ipv4, 5001))
        sock.settimeout(2)
        return sock

    from support.netns import in_netns

    sock = in_netns(netns.b.ns.name, receiver)
    try:
        with netns.a.ns.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
            sender.sendto(b"to 5000", (netns.b.ipv4, 5000))
        data, ancillary, _, _ = sock.recvmsg(100, socket.CMSG_SPACE(4))
    finally:
        sock.close()
    assert data == b"to 5000"
    ttl = [int.from_bytes(d, "little") for level, kind, d in ancillary if kind == IP_TTL]
    assert ttl == [42]
