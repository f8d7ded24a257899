"""Build, parse and check real Ethernet frames (pure Python, struct only).

Builders nest like the protocols do, and every checksum is computed unless given explicitly:

    frame = ethernet(ipv4(udp(b"hi", src=A, dst=B, sport=1, dport=9), src=A, dst=B, proto=IPPROTO_UDP))
    frame = udp_frame(dport=9, payload=b"hi")           # the same, with defaults
    f = parse(frame); assert f.dport == 9 and ipv4_checksum_ok(frame) and l4_checksum_ok(frame)

`malformed_variants(frame)` gives truncated frames (cut inside and at the end of every layer) and
broken headers (bad IHL, wrong ethertype, inconsistent lengths) for robustness tests.
"""
from __future__ import annotations

import ipaddress
import struct
from dataclasses import dataclass, replace

ETH_P_IP = 0x0800
ETH_P_ARP = 0x0806
ETH_P_8021Q = 0x8100
ETH_P_8021AD = 0x88A8
ETH_P_IPV6 = 0x86DD
ETH_P_EXPERIMENTAL = 0x88B5  # IEEE local experimental: an ethertype nothing parses
ETH_HLEN = 14
VLAN_HLEN = 4

IPPROTO_HOPOPTS = 0
IPPROTO_ICMP = 1
IPPROTO_TCP = 6
IPPROTO_UDP = 17
IPPROTO_ROUTING = 43
IPPROTO_FRAGMENT = 44
IPPROTO_ICMPV6 = 58
IPPROTO_NONE = 59
IPPROTO_DSTOPTS = 60
IPV6_EXT_HEADERS = frozenset({IPPROTO_HOPOPTS, IPPROTO_ROUTING, IPPROTO_FRAGMENT, IPPROTO_DSTOPTS})

TCP_FIN, TCP_SYN, TCP_RST, TCP_PSH, TCP_ACK, TCP_URG, TCP_ECE, TCP_CWR = (1 << i for i in range(8))

ICMP_ECHO_REPLY, ICMP_ECHO_REQUEST = 0, 8
ICMPV6_ECHO_REQUEST, ICMPV6_ECHO_REPLY = 128, 129
ARP_REQUEST, ARP_REPLY = 1, 2

IPV4_DF, IPV4_MF = 0x4000, 0x2000

# Defaults: private test addresses (the same ones netns.py puts on its veth pair).
MAC_A, MAC_B = "02:00:00:00:00:0a", "02:00:00:00:00:0b"
IPV4_A, IPV4_B = "10.200.0.1", "10.200.0.2"
IPV6_A, IPV6_B = "fd00:bfcc::1", "fd00:bfcc::2"


class ParseError(ValueError):
    """The frame is too short or inconsistent for the header being read."""


# --- addresses and checksums --------------------------------------------------------------------

def mac(addr: str | bytes) -> bytes:
    """'02:00:00:00:00:0a' -> 6 bytes."""
    if isinstance(addr, (bytes, bytearray)):
        if len(addr) != 6:
            raise ValueError(f"MAC must be 6 bytes, got {len(addr)}")
        return bytes(addr)
    parts = addr.replace("-", ":").split(":")
    if len(parts) != 6:
        raise ValueError(f"bad MAC {addr!r}")
    return bytes(int(p, 16) for p in parts)


def mac_str(raw: bytes) -> str:
    return ":".join(f"{b:02x}" for b in raw)


def ip_bytes(addr: str | bytes) -> bytes:
    """An IPv4 or IPv6 address in network byte order (4 or 16 bytes)."""
    if isinstance(addr, (bytes, bytearray)):
        if len(addr) not in (4, 16):
            raise ValueError(f"IP address must be 4 or 16 bytes, got {len(addr)}")
        return bytes(addr)
    return ipaddress.ip_address(addr).packed


def ip_str(raw: bytes) -> str:
    return str(ipaddress.ip_address(bytes(raw)))


def is_ipv6(addr: str | bytes) -> bool:
    return len(ip_bytes(addr)) == 16


def ones_complement_sum(data: bytes, initial: int = 0) -> int:
    """The 16-bit one's-complement sum of big-endian words (odd length padded with a zero byte)."""
    if len(data) % 2:
        data = bytes(data) + b"\0"
    total = initial + sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return total


def checksum(data: bytes, initial: int = 0) -> int:
    """Internet checksum (RFC 1071): the complement of the one's-complement sum."""
    return ~ones_complement_sum(data, initial) & 0xFFFF


def pseudo_header(src: str | bytes, dst: str | bytes, proto: int, length: int) -> bytes:
    """The IPv4 (RFC 768/793) or IPv6 (RFC 8200 §8.1) pseudo-header for L4 checksums."""
    s, d = ip_bytes(src), ip_bytes(dst)
    if len(s) != len(d):
        raise ValueError("source and destination must be the same IP version")
    if len(s) == 4:
        return s + d + struct.pack("!BBH", 0, proto, length)
    return s + d + struct.pack("!IxxxB", length, proto)


def _l4_checksum(segment: bytes, src, dst, proto: int) -> int:
    return checksum(pseudo_header(src, dst, proto, len(segment)) + segment)


# --- builders ------------------------------------------------------------------------------------

def ethernet(payload: bytes, *, ethertype: int, dst: str | bytes = MAC_B, src: str | bytes = MAC_A,
             vlan: int | tuple[int, ...] | None = None, vlan_pcp: int = 0, vlan_tpid: int = ETH_P_8021Q) -> bytes:
    """Ethernet II frame; `vlan` = a VLAN ID, or a tuple of IDs (outer first) for stacked tags.

    The innermost (or only) tag has TPID `vlan_tpid` (802.1Q); outer tags of a stack are 802.1ad.
    """
    tags = b""
    vids = () if vlan is None else (vlan,) if isinstance(vlan, int) else tuple(vlan)
    for i, vid in enumerate(vids):
        tpid = vlan_tpid if i == len(vids) - 1 else ETH_P_8021AD
        tags += struct.pack("!HH", tpid, (vlan_pcp << 13) | (vid & 0x0FFF))
    return mac(dst) + mac(src) + tags + struct.pack("!H", ethertype) + payload


def ipv4(payload: bytes, *, src: str | bytes = IPV4_A, dst: str | bytes = IPV4_B, proto: int, ttl: int = 64,
         tos: int = 0, ident: int = 0, df: bool = False, mf: bool = False, frag_offset: int = 0,
         options: bytes = b"", ihl: int | None = None, total_length: int | None = None,
         checksum: int | None = None) -> bytes:
    """IPv4 packet. Options are padded with EOL to 4 bytes; `frag_offset` is in 8-byte units.

    `ihl`, `total_length`, `checksum` override the computed values (for malformed packets; the
    checksum is computed over the header with the overridden fields).
    """
    if len(options) % 4:
        options += b"\0" * (4 - len(options) % 4)
    hlen = 20 + len(options)
    if hlen > 60:
        raise ValueError(f"IPv4 header of {hlen} bytes exceeds 60")
    ihl = hlen // 4 if ihl is None else ihl
    total = hlen + len(payload) if total_length is None else total_length
    flags = (IPV4_DF if df else 0) | (IPV4_MF if mf else 0) | (frag_offset & 0x1FFF)
    header = struct.pack("!BBHHHBBH4s4s", (4 << 4) | (ihl & 0xF), tos, total, ident, flags, ttl, proto, 0,
                         ip_bytes(src), ip_bytes(dst)) + options
    csum = _checksum_fn(header) if checksum is None else checksum
    return header[:10] + struct.pack("!H", csum) + header[12:] + payload


_checksum_fn = checksum  # ipv4() has a parameter named `checksum`


def ipv6_ext(next_header: int, kind: int, body: bytes = b"") -> bytes:
    """One IPv6 extension header of type `kind` (hop-by-hop, routing, fragment, dest options).

    `body` is what follows the 2-byte (next header, length) prefix.  Options headers are padded
    with PadN/Pad1 options to a multiple of 8 bytes; a fragment header's body is its 6 bytes.
    """
    if kind == IPPROTO_FRAGMENT:
        if len(body) != 6:
            raise ValueError("fragment header body must be 6 bytes (offset/flags, identification)")
        return struct.pack("!BB", next_header, 0) + body
    pad = -(2 + len(body)) % 8
    if kind in (IPPROTO_HOPOPTS, IPPROTO_DSTOPTS):
        body += b"\0" if pad == 1 else (struct.pack("!BB", 1, pad - 2) + b"\0" * (pad - 2) if pad else b"")
    else:
        body += b"\0" * pad
    return struct.pack("!BB", next_header, (2 + len(body)) // 8 - 1) + body


def ipv6_fragment_body(offset: int = 0, more: bool = False, ident: int = 0) -> bytes:
    """The 6 bytes after the first two of a fragment header; `offset` in 8-byte units."""
    return struct.pack("!HI", (offset << 3) | (1 if more else 0), ident)


def ipv6(payload: bytes, *, src: str | bytes = IPV6_A, dst: str | bytes = IPV6_B, next_header: int,
         hop_limit: int = 64, traffic_class: int = 0, flow_label: int = 0,
         ext_headers: tuple[tuple[int, bytes], ...] | list[tuple[int, bytes]] = (),
         payload_length: int | None = None) -> bytes:
    """IPv6 packet; `next_header` is the upper-layer protocol, `ext_headers` a list of
    (kind, body) put in front of it in order, each chained to the next (see ipv6_ext)."""
    chain = b""
    nh = next_header
    for kind, body in reversed(list(ext_headers)):
        chain = ipv6_ext(nh, kind, body) + chain
        nh = kind
    plen = len(chain) + len(payload) if payload_length is None else payload_length
    first = (6 << 28) | ((traffic_class & 0xFF) << 20) | (flow_label & 0xFFFFF)
    return struct.pack("!IHBB16s16s", first, plen, nh, hop_limit, ip_bytes(src), ip_bytes(dst)) + chain + payload


def udp(payload: bytes = b"", *, src: str | bytes = IPV4_A, dst: str | bytes = IPV4_B, sport: int = 12345,
        dport: int = 9, length: int | None = None, checksum: int | None = None) -> bytes:
    """UDP datagram; the checksum covers the pseudo-header of src/dst (IPv4 or IPv6)."""
    ulen = 8 + len(payload) if length is None else length
    seg = struct.pack("!HHHH", sport, dport, ulen, 0) + payload
    if checksum is None:
        checksum = _l4_checksum(seg, src, dst, IPPROTO_UDP) or 0xFFFF  # 0 means "no checksum"
    return seg[:6] + struct.pack("!H", checksum) + seg[8:]


def tcp(payload: bytes = b"", *, src: str | bytes = IPV4_A, dst: str | bytes = IPV4_B, sport: int = 12345,
        dport: int = 80, seq: int = 0, ack: int = 0, flags: int = TCP_SYN, window: int = 65535,
        urgent: int = 0, options: bytes = b"", data_offset: int | None = None,
        checksum: int | None = None) -> bytes:
    """TCP segment; options padded with EOL to 4 bytes; checksum over the pseudo-header."""
    if len(options) % 4:
        options += b"\0" * (4 - len(options) % 4)
    doff = (20 + len(options)) // 4 if data_offset is None else data_offset
    seg = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, doff << 4, flags,
                      window, 0, urgent) + options + payload
    if checksum is None:
        checksum = _l4_checksum(seg, src, dst, IPPROTO_TCP)
    return seg[:16] + struct.pack("!H", checksum) + seg[18:]


def icmp_echo(ident: int = 1, seq: int = 1, payload: bytes = b"", *, reply: bool = False,
              checksum: int | None = None) -> bytes:
    """ICMPv4 echo request/reply (checksum over the ICMP message only)."""
    msg = struct.pack("!BBHHH", ICMP_ECHO_REPLY if reply else ICMP_ECHO_REQUEST, 0, 0, ident, seq) + payload
    csum = _checksum_fn(msg) if checksum is None else checksum
    return msg[:2] + struct.pack("!H", csum) + msg[4:]


def icmpv6_echo(ident: int = 1, seq: int = 1, payload: bytes = b"", *, src: str | bytes = IPV6_A,
                dst: str | bytes = IPV6_B, reply: bool = False, checksum: int | None = None) -> bytes:
    """ICMPv6 echo request/reply (checksum over the IPv6 pseudo-header, RFC 4443)."""
    msg = struct.pack("!BBHHH", ICMPV6_ECHO_REPLY if reply else ICMPV6_ECHO_REQUEST, 0, 0, ident, seq) + payload
    csum = _l4_checksum(msg, src, dst, IPPROTO_ICMPV6) if checksum is None else checksum
    return msg[:2] + struct.pack("!H", csum) + msg[4:]


def arp(*, op: int = ARP_REQUEST, sender_mac: str | bytes = MAC_A, sender_ip: str | bytes = IPV4_A,
        target_mac: str | bytes = "00:00:00:00:00:00", target_ip: str | bytes = IPV4_B) -> bytes:
    """ARP for IPv4 over Ethernet (RFC 826)."""
    return struct.pack("!HHBBH6s4s6s4s", 1, ETH_P_IP, 6, 4, op, mac(sender_mac), ip_bytes(sender_ip),
                       mac(target_mac), ip_bytes(target_ip))


def _ip_frame(l4: bytes, proto: int, src, dst, eth_src, eth_dst, vlan, ip_kw) -> bytes:
    if is_ipv6(src):
        pkt = ipv6(l4, src=src, dst=dst, next_header=proto, **ip_kw)
        return ethernet(pkt, ethertype=ETH_P_IPV6, src=eth_src, dst=eth_dst, vlan=vlan)
    pkt = ipv4(l4, src=src, dst=dst, proto=proto, **ip_kw)
    return ethernet(pkt, ethertype=ETH_P_IP, src=eth_src, dst=eth_dst, vlan=vlan)


def udp_frame(sport: int = 12345, dport: int = 9, payload: bytes = b"payload", *, src: str = IPV4_A,
              dst: str = IPV4_B, eth_src: str = MAC_A, eth_dst: str = MAC_B, vlan: int | None = None,
              udp_checksum: int | None = None, **ip_kw) -> bytes:
    """Ethernet/IPv4-or-IPv6/UDP frame; the IP version follows `src`; ip_kw go to ipv4()/ipv6()."""
    seg = udp(payload, src=src, dst=dst, sport=sport, dport=dport, checksum=udp_checksum)
    return _ip_frame(seg, IPPROTO_UDP, src, dst, eth_src, eth_dst, vlan, ip_kw)


def tcp_frame(sport: int = 12345, dport: int = 80, payload: bytes = b"", *, flags: int = TCP_SYN, seq: int = 1,
              ack: int = 0, window: int = 65535, tcp_options: bytes = b"", src: str = IPV4_A, dst: str = IPV4_B,
              eth_src: str = MAC_A, eth_dst: str = MAC_B, vlan: int | None = None, **ip_kw) -> bytes:
    seg = tcp(payload, src=src, dst=dst, sport=sport, dport=dport, seq=seq, ack=ack, flags=flags,
              window=window, options=tcp_options)
    return _ip_frame(seg, IPPROTO_TCP, src, dst, eth_src, eth_dst, vlan, ip_kw)


def icmp_echo_frame(ident: int = 1, seq: int = 1, payload: bytes = b"ping", *, reply: bool = False,
                    src: str = IPV4_A, dst: str = IPV4_B, eth_src: str = MAC_A, eth_dst: str = MAC_B,
                    vlan: int | None = None, **ip_kw) -> bytes:
    """ICMP echo for IPv4 sources, ICMPv6 echo for IPv6 sources."""
    if is_ipv6(src):
        msg = icmpv6_echo(ident, seq, payload, src=src, dst=dst, reply=reply)
        return _ip_frame(msg, IPPROTO_ICMPV6, src, dst, eth_src, eth_dst, vlan, ip_kw)
    return _ip_frame(icmp_echo(ident, seq, payload, reply=reply), IPPROTO_ICMP, src, dst, eth_src, eth_dst,
                     vlan, ip_kw)


def arp_frame(*, op: int = ARP_REQUEST, sender_mac: str = MAC_A, sender_ip: str = IPV4_A,
              target_mac: str = "00:00:00:00:00:00", target_ip: str = IPV4_B,
              eth_dst: str = "ff:ff:ff:ff:ff:ff", vlan: int | None = None) -> bytes:
    body = arp(op=op, sender_mac=sender_mac, sender_ip=sender_ip, target_mac=target_mac, target_ip=target_ip)
    return ethernet(body, ethertype=ETH_P_ARP, src=sender_mac, dst=eth_dst, vlan=vlan)


# --- parsing -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Frame:
    """Parsed view of a frame: offsets into `raw` and the decoded fields (None where absent)."""

    raw: bytes
    eth_dst: str
    eth_src: str
    vlans: tuple[int, ...]           # VLAN IDs, outer first
    ethertype: int                   # after the VLAN tags
    l3: int                          # offset of the network header
    layers: tuple[tuple[str, int, int], ...] = ()   # (name, start, end) of each header, payload last
    # network layer
    version: int | None = None
    ip_src: str | None = None
    ip_dst: str | None = None
    proto: int | None = None         # upper-layer protocol (after IPv6 extension headers)
    ttl: int | None = None           # hop limit for IPv6
    tos: int | None = None           # traffic class for IPv6
    ihl: int | None = None
    total_length: int | None = None  # IPv4 total length / IPv6 payload length
    ip_id: int | None = None
    df: bool | None = None
    mf: bool | None = None
    frag_offset: int | None = None   # 8-byte units
    ip_checksum: int | None = None
    ext_headers: tuple[int, ...] = ()
    # transport layer
    l4: int | None = None
    l4_length: int | None = None     # bytes of L4 header + data according to the IP header
    sport: int | None = None
    dport: int | None = None
    l4_checksum: int | None = None
    udp_length: int | None = None
    seq: int | None = None
    ack: int | None = None
    tcp_flags: int | None = None
    window: int | None = None
    icmp_type: int | None = None
    icmp_code: int | None = None
    icmp_id: int | None = None
    icmp_seq: int | None = None
    payload: bytes = b""
    # ARP
    arp_op: int | None = None
    arp_sha: str | None = None
    arp_spa: str | None = None
    arp_tha: str | None = None
    arp_tpa: str | None = None


def _need(raw: bytes, end: int, what: str) -> None:
    if len(raw) < end:
        raise ParseError(f"frame of {len(raw)} bytes truncated in {what} (needs {end})")


def parse(raw: bytes, *, strict: bool = True) -> Frame:
    """Parse Ethernet [802.1Q/802.1ad]* / IPv4|IPv6[ext]*|ARP / UDP|TCP|ICMP|ICMPv6.

    strict: raise ParseError on truncation or inconsistent lengths; otherwise stop at the first
    header that does not fit and return what was parsed (the `layers` then end there too).
    Either way a frame without a complete Ethernet header (and VLAN tags) raises ParseError.
    """
    raw = bytes(raw)
    _need(raw, ETH_HLEN, "ethernet header")
    off, vlans = 12, []
    (etype,) = struct.unpack_from("!H", raw, off)
    while etype in (ETH_P_8021Q, ETH_P_8021AD):
        _need(raw, off + 2 + VLAN_HLEN, "VLAN tag")
        (tci, etype) = struct.unpack_from("!HH", raw, off + 2)
        vlans.append(tci & 0x0FFF)
        off += VLAN_HLEN
    l3 = off + 2
    f = Frame(raw=raw, eth_dst=mac_str(raw[0:6]), eth_src=mac_str(raw[6:12]), vlans=tuple(vlans),
              ethertype=etype, l3=l3, layers=(("ethernet", 0, l3),))
    try:
        if etype == ETH_P_IP:
            return _parse_ipv4(f)
        if etype == ETH_P_IPV6:
            return _parse_ipv6(f)
        if etype == ETH_P_ARP:
            _need(raw, l3 + 28, "ARP")
            op, sha, spa, tha, tpa = struct.unpack_from("!6xH6s4s6s4s", raw, l3)
            return replace(f, arp_op=op, arp_sha=mac_str(sha), arp_spa=ip_str(spa), arp_tha=mac_str(tha),
                           arp_tpa=ip_str(tpa), layers=f.layers + (("arp", l3, l3 + 28),))
        return replace(f, payload=raw[l3:], layers=f.layers + (("payload", l3, len(raw)),))
    except _Partial as p:
        if strict:
            raise ParseError(str(p.error)) from None
        return p.frame


class _Partial(Exception):
    """Carries what was parsed before a header did not fit (non-strict parsing)."""

    def __init__(self, frame: Frame, error: str):
        super().__init__(error)
        self.frame, self.error = frame, error


def _check(f: Frame, end: int, what: str) -> None:
    if len(f.raw) < end:
        raise _Partial(f, f"frame of {len(f.raw)} bytes truncated in {what} (needs {end})")


def _parse_ipv4(f: Frame) -> Frame:
    raw, l3 = f.raw, f.l3
    _check(f, l3 + 20, "IPv4 header")
    vihl, tos, total, ident, flags, ttl, proto, csum, src, dst = struct.unpack_from("!BBHHHBBH4s4s", raw, l3)
    ihl = vihl & 0xF
    f = replace(f, version=vihl >> 4, ihl=ihl, tos=tos, total_length=total, ip_id=ident,
                df=bool(flags & IPV4_DF), mf=bool(flags & IPV4_MF), frag_offset=flags & 0x1FFF, ttl=ttl,
                proto=proto, ip_checksum=csum, ip_src=ip_str(src), ip_dst=ip_str(dst))
    if vihl >> 4 != 4 or ihl < 5:
        raise _Partial(f, f"bad IPv4 version/IHL byte {vihl:#04x}")
    l4 = l3 + ihl * 4
    _check(f, l4, "IPv4 options")
    f = replace(f, layers=f.layers + (("ipv4", l3, l4),), l4=l4)
    if total < ihl * 4 or l3 + total > len(raw):
        raise _Partial(f, f"IPv4 total length {total} inconsistent with header {ihl * 4} / frame {len(raw) - l3}")
    f = replace(f, l4_length=total - ihl * 4)
    if f.frag_offset:  # not the first fragment: no L4 header here
        return replace(f, payload=raw[l4:l3 + total], layers=f.layers + (("payload", l4, l3 + total),))
    return _parse_l4(f, l3 + total)


def _parse_ipv6(f: Frame) -> Frame:
    raw, l3 = f.raw, f.l3
    _check(f, l3 + 40, "IPv6 header")
    first, plen, nh, hlim, src, dst = struct.unpack_from("!IHBB16s16s", raw, l3)
    f = replace(f, version=first >> 28, tos=(first >> 20) & 0xFF, total_length=plen, ttl=hlim,
                ip_src=ip_str(src), ip_dst=ip_str(dst), layers=f.layers + (("ipv6", l3, l3 + 40),))
    if first >> 28 != 6:
        raise _Partial(f, f"bad IPv6 version {first >> 28}")
    end = l3 + 40 + plen
    if end > len(raw):
        raise _Partial(f, f"IPv6 payload length {plen} exceeds frame ({len(raw) - l3 - 40} bytes)")
    off, exts, frag_offset, mf = l3 + 40, [], 0, False
    while nh in IPV6_EXT_HEADERS:
        _check(f, off + 8, "IPv6 extension header")
        nxt, hlen = raw[off], raw[off + 1]
        size = 8 if nh == IPPROTO_FRAGMENT else (hlen + 1) * 8
        _check(f, off + size, "IPv6 extension header")
        if nh == IPPROTO_FRAGMENT:
            (offflags,) = struct.unpack_from("!H", raw, off + 2)
            frag_offset, mf = offflags >> 3, bool(offflags & 1)
        exts.append(nh)
        f = replace(f, layers=f.layers + ((f"ipv6-ext{nh}", off, off + size),))
        off, nh = off + size, nxt
    f = replace(f, proto=nh, ext_headers=tuple(exts), l4=off, l4_length=end - off, frag_offset=frag_offset, mf=mf)
    if off > end:
        raise _Partial(f, "IPv6 extension headers exceed the payload length")
    if frag_offset:
        return replace(f, payload=raw[off:end], layers=f.layers + (("payload", off, end),))
    return _parse_l4(f, end)


def _parse_l4(f: Frame, end: int) -> Frame:
    raw, l4 = f.raw, f.l4
    if f.proto == IPPROTO_UDP:
        _check(f, l4 + 8, "UDP header")
        sport, dport, ulen, csum = struct.unpack_from("!HHHH", raw, l4)
        f = replace(f, sport=sport, dport=dport, udp_length=ulen, l4_checksum=csum,
                    layers=f.layers + (("udp", l4, l4 + 8),))
        hdr = 8
        if not 8 <= ulen <= end - l4:
            raise _Partial(f, f"UDP length {ulen} outside 8..{end - l4} (the IP payload)")
    elif f.proto == IPPROTO_TCP:
        _check(f, l4 + 20, "TCP header")
        sport, dport, seq, ack, doff, flags, win, csum = struct.unpack_from("!HHIIBBHH", raw, l4)
        hdr = (doff >> 4) * 4
        f = replace(f, sport=sport, dport=dport, seq=seq, ack=ack, tcp_flags=flags, window=win, l4_checksum=csum)
        if hdr < 20:
            raise _Partial(f, f"TCP data offset {hdr // 4} below 5")
        _check(f, l4 + hdr, "TCP options")
        f = replace(f, layers=f.layers + (("tcp", l4, l4 + hdr),))
    elif f.proto in (IPPROTO_ICMP, IPPROTO_ICMPV6):
        _check(f, l4 + 8, "ICMP header")
        typ, code, csum, ident, seq = struct.unpack_from("!BBHHH", raw, l4)
        f = replace(f, icmp_type=typ, icmp_code=code, l4_checksum=csum, icmp_id=ident, icmp_seq=seq,
                    layers=f.layers + (("icmp" if f.proto == IPPROTO_ICMP else "icmpv6", l4, l4 + 8),))
        hdr = 8
    else:
        hdr = 0
    if l4 + hdr > end:
        raise _Partial(f, "L4 header extends past the IP packet's length")
    return replace(f, payload=raw[l4 + hdr:end], layers=f.layers + (("payload", l4 + hdr, end),))


# --- checks ------------------------------------------------------------------------------------

def ipv4_checksum_ok(frame: bytes) -> bool:
    """The IPv4 header checksum verifies (the header's one's-complement sum is 0xffff).

    The header is IHL*4 bytes, at least 20 (so variants with IHL < 5 can still carry a valid
    checksum and isolate the IHL fault); a frame that does not hold that much raises ParseError.
    """
    f = parse(frame, strict=False)
    if f.ethertype != ETH_P_IP or f.ihl is None:
        raise ParseError("no IPv4 header")
    hlen = max(20, f.ihl * 4)
    if len(frame) < f.l3 + hlen:
        raise ParseError(f"IPv4 header of {hlen} bytes does not fit in the frame")
    return ones_complement_sum(bytes(frame)[f.l3:f.l3 + hlen]) == 0xFFFF


def l4_checksum_ok(frame: bytes) -> bool:
    """The UDP/TCP/ICMP/ICMPv6 checksum verifies over the L4 length the IP header states.

    A UDP-over-IPv4 checksum of 0 means "not computed" and counts as ok.  L4 header fields need
    not be consistent (a corrupted UDP length just fails the check); the IP header must be, and
    the whole segment must be present.
    """
    f = parse(frame, strict=False)
    if f.l4 is None or f.l4_length is None or f.proto not in (IPPROTO_UDP, IPPROTO_TCP, IPPROTO_ICMP,
                                                             IPPROTO_ICMPV6):
        raise ParseError(f"no complete IP packet with a UDP/TCP/ICMP payload (protocol {f.proto})")
    seg = f.raw[f.l4:f.l4 + f.l4_length]
    if len(seg) < {IPPROTO_UDP: 8, IPPROTO_TCP: 20}.get(f.proto, 8):
        raise ParseError(f"L4 segment of {len(seg)} bytes is too short for its header")
    if f.proto == IPPROTO_UDP and f.version == 4 and seg[6:8] == b"\0\0":
        return True
    if f.proto == IPPROTO_ICMP:
        return ones_complement_sum(seg) == 0xFFFF
    return ones_complement_sum(pseudo_header(f.ip_src, f.ip_dst, f.proto, len(seg)) + seg) == 0xFFFF


def checksums_ok(frame: bytes) -> bool:
    """Every checksum the frame carries verifies (IPv4 header and L4)."""
    f = parse(frame)
    ok = f.version != 4 or ipv4_checksum_ok(frame)
    if f.proto in (IPPROTO_UDP, IPPROTO_TCP, IPPROTO_ICMP, IPPROTO_ICMPV6) and not f.frag_offset:
        ok = ok and l4_checksum_ok(frame)
    return ok


# --- malformed variants ------------------------------------------------------------------------

def truncations(frame: bytes) -> list[tuple[str, bytes]]:
    """The frame cut inside and at the end of every layer: labels "<layer>:<kept>/<size>".

    Cuts at 1 byte, the middle, one byte short, and the full header of each layer (plus the empty
    frame), shortest first, without duplicates and without the intact frame.
    """
    frame = bytes(frame)
    f = parse(frame, strict=False)
    cuts: dict[int, str] = {0: "empty"}
    for name, start, end in f.layers:
        for n in (1, (end - start) // 2, end - start - 1, end - start):
            cut = start + n
            if 0 < n <= end - start and cut < len(frame):
                cuts.setdefault(cut, f"{name}:{n}/{end - start}")
    return [(label, frame[:cut]) for cut, label in sorted(cuts.items())]


def with_ethertype(frame: bytes, ethertype: int) -> bytes:
    """The frame with its (innermost) ethertype replaced."""
    f = parse(frame, strict=False)
    return f.raw[:f.l3 - 2] + struct.pack("!H", ethertype) + f.raw[f.l3:]


def with_ipv4_fields(frame: bytes, *, fix_checksum: bool = True, **fields: int) -> bytes:
    """The frame with IPv4 header fields overwritten: ihl, version, total_length, ttl, proto,
    flags_frag (the whole 16-bit word), tos, ident; the header checksum is recomputed over the
    header (IHL*4 bytes but at least 20, as ipv4_checksum_ok reads it; clamped to the frame)
    unless fix_checksum is False."""
    f = parse(frame, strict=False)
    if f.ethertype != ETH_P_IP or len(f.raw) < f.l3 + 20:
        raise ParseError("no IPv4 header to modify")
    b = f.l3
    raw = bytearray(f.raw)
    for name, value in fields.items():
        if name == "ihl":
            raw[b] = (raw[b] & 0xF0) | (value & 0xF)
        elif name == "version":
            raw[b] = (raw[b] & 0x0F) | ((value & 0xF) << 4)
        elif name == "tos":
            raw[b + 1] = value
        elif name == "total_length":
            struct.pack_into("!H", raw, b + 2, value)
        elif name == "ident":
            struct.pack_into("!H", raw, b + 4, value)
        elif name == "flags_frag":
            struct.pack_into("!H", raw, b + 6, value)
        elif name == "ttl":
            raw[b + 8] = value
        elif name == "proto":
            raw[b + 9] = value
        else:
            raise TypeError(f"unknown IPv4 field {name!r}")
    if fix_checksum:
        hlen = min(max(20, (raw[b] & 0xF) * 4), len(raw) - b)
        struct.pack_into("!H", raw, b + 10, 0)
        struct.pack_into("!H", raw, b + 10, checksum(bytes(raw[b:b + hlen])))
    return bytes(raw)


def malformed_variants(frame: bytes) -> list[tuple[str, bytes]]:
    """Truncations plus broken headers of the layers the frame has, each labelled.

    For IPv4: IHL 0..4 (below minimum), IHL 15 (options past the end), version 6 in an IPv4
    ethertype, total length too large and below the header; for UDP: length too large; for TCP:
    data offset below 5; for all: an ethertype nothing parses.
    """
    f = parse(frame, strict=False)
    out = [(f"truncated {label}", cut) for label, cut in truncations(frame)]
    out.append((f"ethertype {ETH_P_EXPERIMENTAL:#06x}", with_ethertype(frame, ETH_P_EXPERIMENTAL)))
    if f.ethertype == ETH_P_IP and len(f.raw) >= f.l3 + 20:
        for ihl in (0, 4, 15):
            out.append((f"ipv4 ihl={ihl}", with_ipv4_fields(frame, ihl=ihl)))
        out.append(("ipv4 version=6", with_ipv4_fields(frame, version=6)))
        out.append(("ipv4 total_length>frame", with_ipv4_fields(frame, total_length=len(f.raw) - f.l3 + 100)))
        out.append(("ipv4 total_length<header", with_ipv4_fields(frame, total_length=10)))
        out.append(("ipv4 bad checksum", with_ipv4_fields(frame, fix_checksum=False, ttl=(f.ttl or 0) ^ 1)))
    if f.ethertype == ETH_P_IPV6 and len(f.raw) >= f.l3 + 40:
        raw = bytearray(f.raw)
        struct.pack_into("!H", raw, f.l3 + 4, len(f.raw) - f.l3 - 40 + 100)
        out.append(("ipv6 payload_length>frame", bytes(raw)))
    if f.proto == IPPROTO_UDP and f.sport is not None:
        raw = bytearray(f.raw)
        struct.pack_into("!H", raw, f.l4 + 4, (f.udp_length or 8) + 100)
        out.append(("udp length>packet", bytes(raw)))
    if f.proto == IPPROTO_TCP and f.sport is not None:
        raw = bytearray(f.raw)
        raw[f.l4 + 12] = (2 << 4) | (raw[f.l4 + 12] & 0x0F)
        out.append(("tcp data_offset=2", bytes(raw)))
    return out

