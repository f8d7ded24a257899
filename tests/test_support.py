"""Tests of the test harness itself: packet builders, loading (bpfcc.loader, through support.bpf),
namespaces, conftest modes.

BPF programs here are compiled by clang-19 (the oracle), so these tests say nothing about
bpfcc; they make sure the harness that will judge bpfcc tells the truth.
"""
from __future__ import annotations

import errno
import os
import random
import socket
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from support import bpf, packets
from support.netns import (NETNS_DIR, CommandError, attach_tc, attach_xdp, capture, detach_xdp, namespace,
                           send_frames, sweep_stale_namespaces, transmit, udp_probe, veth_pair)
from support.packets import (IPPROTO_UDP, IPV4_A, IPV4_B, IPV6_A, IPV6_B, ParseError, checksum, ipv4,
                             ipv4_checksum_ok, l4_checksum_ok, ones_complement_sum, parse)

# --- BPF programs (compiled once per session) ------------------------------------------------------

XDP_PORT9 = r"""
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/in.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 2);
    __type(key, __u32);
    __type(value, __u64);
} counts SEC(".maps");            /* [0] = packets seen, [1] = packets dropped */

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 8);
    __type(key, __u32);
    __type(value, __u32);
} table SEC(".maps");             /* only touched from user space */

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, __u32);
} percpu SEC(".maps");

__u64 last_len;                   /* .bss */

static void bump(__u32 k)
{
    __u64 *c = bpf_map_lookup_elem(&counts, &k);
    if (c)
        __sync_fetch_and_add(c, 1);
}

SEC("xdp")
int xdp_port9(struct xdp_md *ctx)
{
    void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
    struct ethhdr *eth = data;
    struct udphdr *udp;

    bump(0);
    last_len = end - data;
    if ((void *)(eth + 1) > end)
        return XDP_PASS;
    if (eth->h_proto == bpf_htons(ETH_P_IP)) {
        struct iphdr *ip = (void *)(eth + 1);
        if ((void *)(ip + 1) > end || ip->protocol != IPPROTO_UDP || ip->ihl < 5)
            return XDP_PASS;
        udp = (void *)ip + ip->ihl * 4;
    } else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
        struct ipv6hdr *ip6 = (void *)(eth + 1);
        if ((void *)(ip6 + 1) > end || ip6->nexthdr != IPPROTO_UDP)
            return XDP_PASS;
        udp = (void *)(ip6 + 1);
    } else {
        return XDP_PASS;
    }
    if ((void *)(udp + 1) > end || udp->dest != bpf_htons(9))
        return XDP_PASS;
    bump(1);
    return XDP_DROP;
}

char _license[] SEC("license") = "GPL";
"""

# Prepends 4 bytes: the output packet is longer than the input.
XDP_GROW = r"""
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
SEC("xdp")
int xdp_grow(struct xdp_md *ctx)
{
    if (bpf_xdp_adjust_head(ctx, -4))
        return XDP_ABORTED;
    void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
    if (data + 4 > end)
        return XDP_ABORTED;
    *(__u32 *)data = bpf_htonl(0xdeadbeef);
    return XDP_PASS;
}
char _license[] SEC("license") = "GPL";
"""

TC_PROGS = r"""
#include <stddef.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/in.h>
#include <linux/udp.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define TTL_OFF (ETH_HLEN + offsetof(struct iphdr, ttl))
#define CSUM_OFF (ETH_HLEN + offsetof(struct iphdr, check))

SEC("tc")
int tc_set_ttl(struct __sk_buff *skb)      /* IPv4 TTL := 7 with the header checksum fixed; mark := 42 */
{
    void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
    struct ethhdr *eth = data;
    struct iphdr *ip = (void *)(eth + 1);
    __u8 ttl = 7;

    if ((void *)(ip + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP))
        return TC_ACT_OK;
    __u16 old = *(__u16 *)&ip->ttl;         /* ttl and protocol, as stored */
    __u16 new = (old & bpf_htons(0x00ff)) | bpf_htons(ttl << 8);
    if (bpf_skb_store_bytes(skb, TTL_OFF, &ttl, 1, 0))
        return TC_ACT_SHOT;
    if (bpf_l3_csum_replace(skb, CSUM_OFF, old, new, 2))
        return TC_ACT_SHOT;
    skb->mark = 42;
    return TC_ACT_OK;
}

SEC("classifier")
int tc_drop9(struct __sk_buff *skb)        /* TC_ACT_SHOT for IPv4 UDP to port 9 */
{
    void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
    struct ethhdr *eth = data;
    struct iphdr *ip = (void *)(eth + 1);

    if ((void *)(ip + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP) || ip->protocol != IPPROTO_UDP
        || ip->ihl != 5)
        return TC_ACT_OK;
    struct udphdr *udp = (void *)(ip + 1);
    if ((void *)(udp + 1) > end)
        return TC_ACT_OK;
    return udp->dest == bpf_htons(9) ? TC_ACT_SHOT : TC_ACT_OK;
}

char _license[] SEC("license") = "GPL";
"""

# Section names libbpf 1.1.2 does not know: the loader must be told the type.
ODD_SECTION = r"""
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
SEC("tc/ingress") int odd(struct __sk_buff *skb) { return TC_ACT_SHOT; }
char _license[] SEC("license") = "GPL";
"""

# Reads the packet without a bounds check: the verifier must refuse it.
UNCHECKED_ACCESS = r"""
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
SEC("xdp") int unchecked(struct xdp_md *ctx) { return *(unsigned char *)(long)ctx->data; }
char _license[] SEC("license") = "GPL";
"""

# Exactly 3 instructions in 4 slots (ld_imm64 is 16 bytes).
WIDE_ASM = """
\t.section\txdp,"ax",@progbits
\t.globl\tf
\t.type\tf,@function
f:
\tr0 = 2 ll
\tr1 = 1
\texit
.Lend:
\t.size\tf, .Lend-f
\t.section\tlicense,"aw",@progbits
\t.globl\t_license
_license:
\t.asciz\t"GPL"
"""

SOURCES = {"xdp_port9.c": XDP_PORT9, "xdp_grow.c": XDP_GROW, "tc_progs.c": TC_PROGS, "odd_section.c": ODD_SECTION,
           "unchecked.c": UNCHECKED_ACCESS, "wide.s": WIDE_ASM}


@pytest.fixture(scope="session")
def objs(clang_compile, tmp_path_factory) -> dict[str, Path]:
    """name (without suffix) -> object compiled by clang-19."""
    d = tmp_path_factory.mktemp("bpf")
    out = {}
    for name, text in SOURCES.items():
        src = d / name
        src.write_text(text)
        out[src.stem] = clang_compile(src, d / (src.stem + ".o"))
    return out


# --- checksums and builders (no kernel needed) -------------------------------------------------------

def _reference_checksum(data: bytes) -> int:
    """RFC 1071 without summing words: 2**16 = 1 (mod 0xffff), so the whole buffer read as one
    big-endian integer is congruent to the sum of its 16-bit words."""
    if len(data) % 2:
        data += b"\0"
    value = int.from_bytes(data, "big")
    folded = value % 0xFFFF
    if folded == 0 and value:
        folded = 0xFFFF   # one's-complement sums of non-zero data are never 0
    return ~folded & 0xFFFF


def test_rfc1071_numerical_example():
    # RFC 1071 §3: the one's-complement sum of 00 01 f2 03 f4 f5 f6 f7 is dd f2.
    data = bytes.fromhex("0001f203f4f5f6f7")
    assert ones_complement_sum(data) == 0xDDF2
    assert checksum(data) == 0x220D


def test_checksum_matches_reference_on_random_data():
    rng = random.Random(1071)
    for n in list(range(0, 70)) + [1499, 1500, 9000]:
        data = bytes(rng.getrandbits(8) for _ in range(n))
        assert checksum(data) == _reference_checksum(data), n
    assert checksum(b"\xff\xff" * 5) == 0x0000      # sum 0xffff: "negative zero"
    assert checksum(b"") == 0xFFFF


def test_ipv4_header_checksum_well_known_example():
    # The classic example header (Wikipedia, "IPv4 header checksum"): checksum b861.
    header = bytes.fromhex("450000730000400040110000c0a80001c0a800c7")
    assert checksum(header) == 0xB861
    built = ipv4(b"\0" * (0x73 - 20), src="192.168.0.1", dst="192.168.0.199", proto=IPPROTO_UDP, df=True)
    assert built[:20] == bytes.fromhex("4500007300004000" "4011b861" "c0a80001c0a800c7")
    assert ipv4_checksum_ok(packets.ethernet(built, ethertype=packets.ETH_P_IP))


@pytest.mark.parametrize("src,dst", [(IPV4_A, IPV4_B), (IPV6_A, IPV6_B)], ids=["v4", "v6"])
def test_l4_checksums_verify_and_catch_every_single_byte_change(src, dst):
    frames = {
        "udp": packets.udp_frame(1000, 53, b"odd-length", src=src, dst=dst),
        "tcp": packets.tcp_frame(1000, 80, b"data", flags=packets.TCP_SYN | packets.TCP_ACK, seq=7, ack=9,
                                 tcp_options=b"\x02\x04\x05\xb4", src=src, dst=dst),
        "icmp": packets.icmp_echo_frame(3, 4, b"ping!", src=src, dst=dst),
    }
    for kind, frame in frames.items():
        f = parse(frame)
        assert l4_checksum_ok(frame), kind
        # The checksum covers the L4 bytes and, through the pseudo-header, the addresses (not for
        # ICMPv4, which has none): flipping any one of those bytes must be caught.
        covered = set(range(f.l4, len(frame)))
        if kind != "icmp" or f.version == 6:
            covered |= set(range(f.l3 + 12, f.l3 + 20) if f.version == 4 else range(f.l3 + 8, f.l3 + 40))
        for i in sorted(covered):
            broken = bytearray(frame)
            broken[i] ^= 0x01
            assert not l4_checksum_ok(bytes(broken)), (kind, i)


def test_udp_zero_checksum_means_none_for_ipv4_only():
    frame = packets.udp_frame(udp_checksum=0)
    assert l4_checksum_ok(frame)
    # A computed checksum of 0 goes on the wire as 0xffff (RFC 768): pick the source port that
    # makes the one's-complement sum 0xffff.
    rest = ones_complement_sum(packets.pseudo_header(IPV4_A, IPV4_B, IPPROTO_UDP, 8) + packets.udp(b"", sport=0)[:6])
    sport = 0xFFFF - rest
    seg = packets.udp(b"", sport=sport, dport=9)
    assert ones_complement_sum(packets.pseudo_header(IPV4_A, IPV4_B, IPPROTO_UDP, 8) + seg[:6]) == 0xFFFF
    assert seg[6:8] == b"\xff\xff"
    assert l4_checksum_ok(packets.udp_frame(sport, 9, b""))
    frame6 = packets.udp_frame(src=IPV6_A, dst=IPV6_B, udp_checksum=0)
    assert not l4_checksum_ok(frame6)


def test_builders_roundtrip_through_parser():
    f = parse(packets.udp_frame(4000, 9, b"x", vlan=100, ttl=3, tos=0x10, ident=0x1234, df=True,
                                options=b"\x94\x04\x00\x00"))
    assert (f.vlans, f.ethertype, f.ihl, f.ttl, f.tos, f.ip_id, f.df, f.mf) == \
        ((100,), 0x0800, 6, 3, 0x10, 0x1234, True, False)
    assert (f.ip_src, f.ip_dst, f.proto, f.sport, f.dport, f.payload, f.udp_length) == \
        (IPV4_A, IPV4_B, 17, 4000, 9, b"x", 9)
    assert (f.eth_src, f.eth_dst) == (packets.MAC_A, packets.MAC_B)

    f = parse(packets.ethernet(packets.ipv4(b"\0" * 16, proto=IPPROTO_UDP, mf=True, frag_offset=185),
                               ethertype=packets.ETH_P_IP, vlan=(10, 20)))
    assert (f.vlans, f.mf, f.frag_offset, f.sport, f.payload) == ((10, 20), True, 185, None, b"\0" * 16)
    assert f.raw[12:14] == b"\x88\xa8" and f.raw[16:18] == b"\x81\x00"   # 802.1ad outer, 802.1Q inner

    tcp = parse(packets.tcp_frame(1, 2, b"abc", flags=packets.TCP_PSH | packets.TCP_ACK, seq=2**32 - 1, ack=5,
                                  window=1000, src=IPV6_A, dst=IPV6_B))
    assert (tcp.version, tcp.proto, tcp.tcp_flags, tcp.seq, tcp.ack, tcp.window, tcp.payload) == \
        (6, 6, 0x18, 2**32 - 1, 5, 1000, b"abc")

    ext = packets.ethernet(packets.ipv6(packets.udp(b"hi", src=IPV6_A, dst=IPV6_B, dport=9), next_header=IPPROTO_UDP,
                                        ext_headers=[(packets.IPPROTO_HOPOPTS, b""),
                                                     (packets.IPPROTO_FRAGMENT, packets.ipv6_fragment_body(0, True, 7)),
                                                     (packets.IPPROTO_DSTOPTS, b"\x01\x03abc")]),
                           ethertype=packets.ETH_P_IPV6)
    e = parse(ext)
    assert (e.ext_headers, e.proto, e.dport, e.payload, e.mf) == ((0, 44, 60), 17, 9, b"hi", True)
    assert e.l4 == 14 + 40 + 8 + 8 + 8 and l4_checksum_ok(ext)

    echo = parse(packets.icmp_echo_frame(7, 8, b"p", reply=True))
    assert (echo.icmp_type, echo.icmp_id, echo.icmp_seq) == (0, 7, 8)
    echo6 = parse(packets.icmp_echo_frame(7, 8, src=IPV6_A, dst=IPV6_B))
    assert (echo6.proto, echo6.icmp_type) == (58, 128)

    a = parse(packets.arp_frame(op=packets.ARP_REPLY, target_mac=packets.MAC_B))
    assert (a.ethertype, a.arp_op, a.arp_spa, a.arp_tpa, a.arp_tha, a.eth_dst) == \
        (0x0806, 2, IPV4_A, IPV4_B, packets.MAC_B, "ff:ff:ff:ff:ff:ff")


@pytest.mark.parametrize("frame", [
    packets.udp_frame(vlan=5, options=b"\x01\x01\x01\x01"),
    packets.tcp_frame(src=IPV6_A, dst=IPV6_B, tcp_options=b"\x02\x04\x05\xb4"),
    packets.icmp_echo_frame(),
    packets.arp_frame(),
], ids=["udp4-vlan-options", "tcp6", "icmp4", "arp"])
def test_every_truncation_fails_strict_parsing(frame):
    parse(frame)
    cuts = packets.truncations(frame)
    lengths = [len(c) for _, c in cuts]
    assert lengths == sorted(set(lengths)) and lengths[0] == 0 and lengths[-1] < len(frame)
    layers = {name for name, *_ in parse(frame).layers if name != "payload"}
    assert layers <= {label.split(":")[0] for label, _ in cuts}   # every header is cut into
    for label, cut in cuts:
        with pytest.raises(ParseError):
            parse(cut)


def test_malformed_variants_are_all_rejected():
    frame = packets.udp_frame(options=b"\x94\x04\x00\x00")
    variants = dict(packets.malformed_variants(frame))
    assert {"ipv4 ihl=0", "ipv4 ihl=4", "ipv4 ihl=15", "ethertype 0x88b5", "udp length>packet"} <= set(variants)
    for label, bad in variants.items():
        if label == "ethertype 0x88b5":
            assert parse(bad).proto is None and parse(bad).payload == frame[14:]
        elif label == "ipv4 bad checksum":
            assert not ipv4_checksum_ok(bad)
        else:
            with pytest.raises(ParseError):
                parse(bad)
    assert ipv4_checksum_ok(variants["ipv4 ihl=4"])   # broken on purpose, yet with a valid checksum


# --- loading and running in the kernel (TEST_RUN) ---------------------------------------------------

def test_xdp_drops_udp_port_9_only(kernel, objs):
    obj = kernel.load(objs["xdp_port9"])
    prog = obj.program("xdp_port9")
    assert (prog.section, prog.type) == ("xdp", bpf.ProgType.XDP)
    cases = {
        "udp4/9": (packets.udp_frame(dport=9), bpf.XDP_DROP),
        "udp6/9": (packets.udp_frame(dport=9, src=IPV6_A, dst=IPV6_B), bpf.XDP_DROP),
        "udp4/9 options": (packets.udp_frame(dport=9, options=b"\x01" * 8), bpf.XDP_DROP),
        "udp4/10": (packets.udp_frame(dport=10), bpf.XDP_PASS),
        "udp4 sport 9": (packets.udp_frame(sport=9, dport=10), bpf.XDP_PASS),
        "tcp4/9": (packets.tcp_frame(dport=9), bpf.XDP_PASS),
        "arp": (packets.arp_frame(), bpf.XDP_PASS),
        "vlan udp4/9": (packets.udp_frame(dport=9, vlan=3), bpf.XDP_PASS),   # the program skips tagged frames
    }
    for label, (frame, expected) in cases.items():
        res = prog.run(frame)
        assert res.retval == expected, label
        assert res.data == frame, label        # unchanged, and data_out sized to the real packet
    # Truncated port-9 frames must pass: the UDP header is not all there.
    for label, cut in packets.truncations(packets.udp_frame(dport=9, payload=b"")):
        if len(cut) >= packets.ETH_HLEN:           # TEST_RUN refuses less than an Ethernet header
            assert prog.run(cut).retval == bpf.XDP_PASS, label
    assert obj.maps["counts"].lookup(1) == struct.pack("<Q", 3)
    seen = struct.unpack("<Q", obj.maps["counts"][0])[0]
    res = prog.run(packets.udp_frame(dport=9), repeat=50)
    assert res.retval == bpf.XDP_DROP and res.duration >= 0
    assert struct.unpack("<Q", obj.maps["counts"][0])[0] == seen + 50


def test_xdp_output_can_grow_and_too_small_buffer_is_reported(kernel, objs):
    prog = kernel.load(objs["xdp_grow"]).program("xdp_grow")
    frame = packets.udp_frame()
    res = prog.run(frame)
    assert res.retval == bpf.XDP_PASS and res.data == b"\xde\xad\xbe\xef" + frame
    with pytest.raises(bpf.BpfError) as e:
        prog.run(frame, data_size_out=len(frame))
    assert e.value.errno == errno.ENOSPC


def test_tc_rewrites_ttl_with_store_bytes_and_fixes_checksum(kernel, objs):
    obj = kernel.load(objs["tc_progs"])
    prog = obj.program("tc_set_ttl")
    frame = packets.udp_frame(ttl=64, payload=b"abc")
    ctx = bytearray(192)                                   # struct __sk_buff
    res = prog.run(frame, ctx=bytes(ctx))
    assert res.retval == bpf.TC_ACT_OK
    out = parse(res.data)
    assert out.ttl == 7 and ipv4_checksum_ok(res.data) and l4_checksum_ok(res.data)
    assert res.data[:22] == frame[:22] and res.data[26:] == frame[26:]   # only TTL and checksum changed
    assert res.data[22] == 7 and res.data[24:26] != frame[24:26]
    assert struct.unpack_from("<I", res.ctx, 8)[0] == 42                  # skb->mark came back
    assert prog.run(packets.arp_frame()).data == packets.arp_frame()      # non-IPv4 untouched


def test_tc_and_classifier_sections_load_as_sched_cls(kernel, objs):
    obj = kernel.load(objs["tc_progs"])
    assert {p.section: p.type for p in obj.programs.values()} == {"tc": bpf.ProgType.SCHED_CLS,
                                                                  "classifier": bpf.ProgType.SCHED_CLS}
    drop = obj.program("classifier")
    assert drop.run(packets.udp_frame(dport=9)).retval == bpf.TC_ACT_SHOT
    assert drop.run(packets.udp_frame(dport=8)).retval == bpf.TC_ACT_OK
    assert bpf.section_prog_type("tc") == bpf.section_prog_type("classifier") == bpf.ProgType.SCHED_CLS
    assert bpf.section_prog_type("xdp") == bpf.ProgType.XDP
    assert bpf.section_prog_type("action") == bpf.ProgType.SCHED_ACT
    for unknown in ("tc/ingress", "xdp/foo", "prog", ".text"):
        assert bpf.section_prog_type(unknown) is None, unknown
    assert set(kernel.load(objs["tc_progs"], only=["tc_drop9"]).programs) == {"tc_drop9"}


def test_unknown_section_needs_explicit_type(kernel, objs):
    with pytest.raises(bpf.LoadError) as e:
        kernel.load(objs["odd_section"])
    assert "missing BPF prog type" in e.value.log and "tc/ingress" in e.value.log
    obj = kernel.load(objs["odd_section"], prog_type="sched_cls")
    assert obj.program("tc/ingress").run(packets.udp_frame()).retval == bpf.TC_ACT_SHOT
    obj = kernel.load(objs["odd_section"], prog_types={"odd": bpf.ProgType.SCHED_CLS})
    assert obj.programs["odd"].type == bpf.ProgType.SCHED_CLS


def test_verifier_rejection_carries_the_verifier_log(kernel, objs):
    with pytest.raises(bpf.LoadError) as e:
        kernel.load(objs["unchecked"])
    err = e.value
    assert err.errno == errno.EACCES
    assert "invalid access to packet" in err.verifier_logs["unchecked"]
    assert "invalid access to packet" in str(err) and "unchecked" in err.log


def test_verifier_log_on_success_with_log_level(kernel, objs):
    obj = kernel.load(objs["xdp_port9"], log_level=1)
    assert "processed" in obj.programs["xdp_port9"].verifier_log
    assert kernel.load(objs["xdp_port9"]).programs["xdp_port9"].verifier_log == ""


def test_maps_from_user_space(kernel, objs):
    obj = kernel.load(objs["xdp_port9"], object_name="t")
    assert set(obj.maps) == {"counts", "table", "percpu", "t.bss"}
    table = obj.maps["table"]
    assert (table.type, table.key_size, table.value_size, table.max_entries) == (bpf.MapType.HASH, 4, 4, 8)
    assert table.keys() == [] and table.lookup(1) is None
    for k in range(5):
        table.update(k, struct.pack("<I", k * 10))
    assert sorted(table.keys()) == [struct.pack("<I", k) for k in range(5)]
    assert table[3] == struct.pack("<I", 30)
    assert table.delete(3) and not table.delete(3) and table.lookup(3) is None
    with pytest.raises(bpf.BpfError) as e:
        table.update(99, b"\0" * 4, flags=bpf.BPF_EXIST)
    assert e.value.errno == errno.ENOENT
    with pytest.raises(ValueError):
        table.update(1, b"\0")                                  # wrong value size

    percpu = obj.maps["percpu"]
    values = percpu.lookup(0)
    assert isinstance(values, list) and len(values) == bpf.possible_cpus()
    percpu.update(0, struct.pack("<I", 5))
    assert set(percpu.lookup(0)) == {struct.pack("<I", 5)}

    frame = packets.udp_frame(payload=b"12345")
    obj.program("xdp_port9").run(frame)
    assert obj.map(".bss").lookup(0) == struct.pack("<Q", len(frame))   # last_len written by the program
    obj.close()
    assert obj.closed and table.fd == -1


def test_kernel_support_names_the_missing_privilege(monkeypatch):
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    assert "not root" in bpf.kernel_support()


def test_load_accepts_bytes_and_reports_garbage(kernel, objs):
    data = objs["xdp_port9"].read_bytes()
    assert "xdp_port9" in kernel.load(data).programs
    with pytest.raises(bpf.LoadError) as e:
        kernel.load(b"\x7fELF not really")
    assert "could not open" in e.value.message


def test_instruction_count_counts_slots(objs):
    assert bpf.instruction_count(objs["wide"], "xdp") == 4               # ld_imm64 takes two slots
    assert bpf.instruction_count(objs["wide"], "xdp", wide_as_one=True) == 3
    assert bpf.instruction_count(objs["wide"], "f") == 4                 # by function symbol
    xdp = objs["xdp_port9"]
    assert bpf.instruction_count(xdp, "xdp") == bpf.instruction_count(xdp, "xdp_port9") > 20
    with pytest.raises(KeyError):
        bpf.instruction_count(xdp, "no_such_thing")


# --- real traffic through namespaces -----------------------------------------------------------------


def _exists(name: str) -> bool:
    return os.path.exists(os.path.join(NETNS_DIR, name))


def test_veth_pair_carries_udp_with_checksums_we_agree_with(netns):
    pair = netns
    assert _exists(pair.a.ns.name) and _exists(pair.b.ns.name) and pair.a.ns.name.startswith("bpfcc-")
    with capture(pair.b) as cap:
        assert udp_probe(pair.a, pair.b, [7, 8], count=2) == {7: 2, 8: 2}
        assert udp_probe(pair.a, pair.b, [7], family=6) == {7: 1}
        seen = cap.wait(lambda f: parse(f, strict=False).proto == IPPROTO_UDP, count=5)
    assert len(seen) == 5
    for frame in seen:   # checksums computed by the kernel verify with ours
        f = parse(frame)
        assert packets.checksums_ok(frame) and f.eth_src == packets.MAC_A and f.dport in (7, 8)
    assert {parse(f).version for f in seen} == {4, 6}
    assert udp_probe(pair.b, pair.a, [7]) == {7: 1}


def test_kernel_stack_accepts_our_frames_and_rejects_bad_checksums(netns):
    """The receiving stack verifies IPv4 header and L4 checksums: delivery proves ours right."""
    pair = netns
    for src, dst, fam in ((IPV4_A, IPV4_B, socket.AF_INET), (IPV6_A, IPV6_B, socket.AF_INET6)):
        with pair.b.ns.socket(fam, socket.SOCK_DGRAM, bind=(dst, 4242)) as rx:
            bad = [packets.udp_frame(5555, 4242, b"bad udp checksum", src=src, dst=dst, udp_checksum=0x1234)]
            if fam == socket.AF_INET:
                bad.append(packets.with_ipv4_fields(packets.udp_frame(5555, 4242, b"bad ip checksum"),
                                                    fix_checksum=False, ttl=63))
            send_frames(pair.a, bad + [packets.udp_frame(5555, 4242, b"good", src=src, dst=dst)])
            rx.settimeout(1.0)
            data, addr = rx.recvfrom(100)
            assert (data, addr[0], addr[1]) == (b"good", src, 5555)
            rx.settimeout(0.05)
            with pytest.raises(socket.timeout):
                rx.recv(100)

        # TCP SYN to a listener: the kernel answers SYN-ACK only if our checksum is right.
        with pair.b.ns.socket(fam, socket.SOCK_STREAM, bind=(dst, 8080)) as srv:
            srv.listen()
            with capture(pair.a) as cap:
                send_frames(pair.a, [packets.tcp_frame(40000, 8080, flags=packets.TCP_SYN, seq=1000,
                                                       src=src, dst=dst)])
                replies = cap.wait(lambda f: parse(f, strict=False).sport == 8080)
            r = parse(replies[0])
            assert r.tcp_flags == packets.TCP_SYN | packets.TCP_ACK and r.ack == 1001
            assert packets.checksums_ok(replies[0])

        # ICMP echo request -> echo reply
        with capture(pair.a) as cap:
            send_frames(pair.a, [packets.icmp_echo_frame(77, 5, b"ping", src=src, dst=dst)])
            replies = cap.wait(lambda f: parse(f, strict=False).icmp_id == 77)
        r = parse(replies[0])
        assert r.icmp_type == (0 if fam == socket.AF_INET else 129) and r.payload == b"ping"
        assert packets.checksums_ok(replies[0])


def test_xdp_attached_with_ip_drops_port_9(netns, objs):
    pair = netns
    assert udp_probe(pair.a, pair.b, [9, 10]) == {9: 1, 10: 1}
    attach_xdp(pair.b.ns, pair.b.dev, objs["xdp_port9"], "xdp")
    assert udp_probe(pair.a, pair.b, [9, 10], count=3) == {9: 0, 10: 3}
    assert udp_probe(pair.a, pair.b, [9, 10], family=6) == {9: 0, 10: 1}
    # A capture on the receiving device runs after generic XDP: the dropped frame is not seen.
    frames = [packets.udp_frame(dport=9, payload=b"x"), packets.udp_frame(dport=10, payload=b"y")]
    got = transmit(pair.a, pair.b, frames, count=2, timeout=0.3)
    assert [parse(f).dport for f in got] == [10]
    detach_xdp(pair.b.ns.name, "veth1")
    assert udp_probe(pair.a, pair.b, [9]) == {9: 1}


def test_tc_egress_rewrite_is_seen_on_the_wire(netns, objs):
    pair = netns
    pair.a.attach_tc(objs["tc_progs"], "tc", direction="egress")
    with capture(pair.b) as cap:
        assert udp_probe(pair.a, pair.b, [7]) == {7: 1}        # still delivered: checksum was fixed
        seen = cap.wait(lambda f: parse(f, strict=False).dport == 7)
    f = parse(seen[0])
    assert f.ttl == 7 and ipv4_checksum_ok(seen[0]) and l4_checksum_ok(seen[0])


def test_tc_ingress_classifier_drops_port_9(netns, objs):
    pair = netns
    attach_tc(pair.b.ns, pair.b.dev, objs["tc_progs"], "classifier")
    assert udp_probe(pair.a, pair.b, [9, 10]) == {9: 0, 10: 1}
    assert udp_probe(pair.a, pair.b, [9], family=6) == {9: 1}   # the program only looks at IPv4
    pair.b.detach_tc()
    assert udp_probe(pair.a, pair.b, [9]) == {9: 1}


def test_attach_failures_carry_the_tools_stderr(netns, objs):
    pair = netns
    with pytest.raises(CommandError) as e:
        pair.b.attach_xdp(objs["unchecked"], "xdp")
    assert "invalid access to packet" in e.value.stderr          # the verifier's words, via ip
    with pytest.raises(CommandError) as e:
        pair.b.attach_tc(objs["tc_progs"], "no_such_section")
    assert e.value.returncode != 0 and e.value.stderr.strip()
    assert udp_probe(pair.a, pair.b, [9]) == {9: 1}              # nothing half-attached


@pytest.mark.netns
def test_namespaces_are_removed_even_when_the_body_fails():
    with pytest.raises(RuntimeError, match="boom"):
        with veth_pair() as pair:
            names = [pair.a.ns.name, pair.b.ns.name]
            assert all(_exists(n) for n in names)
            raise RuntimeError("boom")
    assert not any(_exists(n) for n in names)


@pytest.mark.netns
def test_sweep_removes_only_namespaces_of_dead_processes():
    child = subprocess.Popen(["true"])
    child.wait()                                   # its pid is now dead
    stale = f"bpfcc-{child.pid}-0badc0-z"
    subprocess.run(["ip", "netns", "add", stale], check=True)
    try:
        with namespace("live") as live:
            removed = sweep_stale_namespaces()
            assert stale in removed and not _exists(stale)
            assert live.name not in removed and _exists(live.name)
    finally:
        subprocess.run(["ip", "netns", "del", stale], capture_output=True)


# --- conftest's BPFCC_KERNEL_TESTS modes -----------------------------------------------------------

def _pytest(nodeid: str, *args: str, **env: str) -> subprocess.CompletedProcess:
    root = Path(__file__).resolve().parent.parent
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-rsf", "-p", "no:cacheprovider",
                           f"tests/test_support.py::{nodeid}", *args],
                          cwd=root, env={**os.environ, **env}, capture_output=True, text=True, timeout=120)


def test_kernel_tests_env_var_modes():
    kernel_test = "test_verifier_log_on_success_with_log_level"
    off = _pytest(kernel_test, BPFCC_KERNEL_TESTS="off")
    assert "1 skipped" in off.stdout and "BPFCC_KERNEL_TESTS=off" in off.stdout, off.stdout
    deselected = _pytest(kernel_test, "-m", "not kernel")
    assert "1 deselected" in deselected.stdout, deselected.stdout
    bogus = _pytest(kernel_test, BPFCC_KERNEL_TESTS="bogus")
    assert bogus.returncode == pytest.ExitCode.USAGE_ERROR and "BPFCC_KERNEL_TESTS" in bogus.stderr

    # Without clang-19 on PATH: skipped in auto mode, a failure in require mode.
    clang_test = "test_instruction_count_counts_slots"
    auto = _pytest(clang_test, PATH="/nonexistent", BPFCC_KERNEL_TESTS="auto")
    assert "1 skipped" in auto.stdout and "clang-19 not on PATH" in auto.stdout, auto.stdout
    require = _pytest(clang_test, PATH="/nonexistent", BPFCC_KERNEL_TESTS="require")
    assert require.returncode == pytest.ExitCode.TESTS_FAILED and "clang-19 not on PATH" in require.stdout, \
        require.stdout
