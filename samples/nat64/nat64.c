// SPDX-License-Identifier: GPL-2.0
/* Stateless NAT64 (SIIT with explicit address mappings, RFC 7915 and RFC 7757) for tc, in
 * the manner of Cilium's lib/nat_46x64.h.
 *
 * Attached to the device of an IPv4-only host, it lets IPv6-only peers reach it:
 *   nat64_ingress  IPv6 to NAT64_PREFIX::a.b.c.d (RFC 6052, 64:ff9b::/96 by default) becomes
 *                  IPv4 to a.b.c.d, from the IPv4 address nat64_v6_to_v4 maps the source to;
 *   nat64_egress   IPv4 to an address nat64_v4_to_v6 maps becomes IPv6 to that peer, from
 *                  NAT64_PREFIX::source.
 * bpf_skb_change_proto() turns the packet into the other protocol in place (the IPv6 header
 * is 20 bytes longer); the program writes the new header, and carries the L4 checksum over:
 * UDP and TCP only change pseudo-header addresses (their length and protocol words sum the
 * same in both), ICMP echo also changes type and gains or loses the pseudo-header ICMPv6 has
 * and ICMP has not.  Fragments, IPv4 options, IPv6 extension headers, ICMP other than echo,
 * and UDP over IPv4 without a checksum are dropped; packets of other addresses pass untouched.
 *
 *   tc filter add dev D ingress bpf da obj nat64.o sec tc/ingress
 *   tc filter add dev D egress bpf da obj nat64.o sec tc/egress
 */
#include <stdbool.h>
#include <stddef.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/pkt_cls.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

/* The /96 prefix, as its three leading 32-bit words in host byte order. */
#ifndef NAT64_PREFIX_0
#define NAT64_PREFIX_0 0x0064ff9b
#endif
#ifndef NAT64_PREFIX_1
#define NAT64_PREFIX_1 0
#endif
#ifndef NAT64_PREFIX_2
#define NAT64_PREFIX_2 0
#endif

#define IP_DF 0x4000
#define IP_MF 0x2000
#define IP_OFFSET 0x1fff
#define ICMP_ECHOREPLY 0
#define ICMP_ECHO 8
#define ICMPV6_ECHO_REQUEST 128
#define ICMPV6_ECHO_REPLY 129
#define L3_OFF ETH_HLEN
#define L4_OFF_V4 (ETH_HLEN + sizeof(struct iphdr))
#define L4_OFF_V6 (ETH_HLEN + sizeof(struct ipv6hdr))

enum nat64_stat {
	STAT_6TO4,
	STAT_4TO6,
	STAT_NO_MAPPING,	/* IPv6 to the prefix from a source without an IPv4 address */
	STAT_UNSUPPORTED,	/* to be translated, but the translator cannot: dropped */
	STAT_MAX,
};

/* ICMP and ICMPv6 echo share this layout. */
struct echo_hdr {
	__u8 type;
	__u8 code;
	__sum16 checksum;
	__be16 id;
	__be16 sequence;
};

/* The IPv6 pseudo-header as RFC 8200 section 8.1 lays it out. */
struct ipv6_pseudo_hdr {
	struct in6_addr saddr;
	struct in6_addr daddr;
	__be32 len;
	__u8 zero[3];
	__u8 nexthdr;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct in6_addr);
	__type(value, __be32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} nat64_v6_to_v4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __be32);
	__type(value, struct in6_addr);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} nat64_v4_to_v6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} nat64_stats SEC(".maps");

static __always_inline int count(enum nat64_stat stat, int verdict)
{
	__u32 key = stat;
	__u64 *value = bpf_map_lookup_elem(&nat64_stats, &key);

	if (value)
		*value += 1;
	return verdict;
}

static __always_inline bool in_prefix(const struct in6_addr *addr)
{
	return addr->in6_u.u6_addr32[0] == bpf_htonl(NAT64_PREFIX_0) &&
	       addr->in6_u.u6_addr32[1] == bpf_htonl(NAT64_PREFIX_1) &&
	       addr->in6_u.u6_addr32[2] == bpf_htonl(NAT64_PREFIX_2);
}

static __always_inline __sum16 csum_fold(__s64 csum)
{
	__u32 sum = csum;

	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return ~sum;
}

static __always_inline __u32 l4_csum_off(__u8 protocol)
{
	switch (protocol) {
	case IPPROTO_TCP:
		return offsetof(struct tcphdr, check);
	case IPPROTO_UDP:
		return offsetof(struct udphdr, check);
	}
	return offsetof(struct echo_hdr, checksum);
}

/* The 16-bit word of an echo header that holds type and code, as the checksum sees it. */
static __always_inline __be16 type_word(__u8 type, __u8 code)
{
	return bpf_htons((__u16)type << 8 | code);
}

/* Rewrites an echo's type after translation; ICMP echo comes in both directions. */
static __always_inline int translate_echo(struct __sk_buff *skb, __u32 l4_off, __u8 old_type, __u8 new_type,
					  __u8 code, __s64 pseudo_diff)
{
	__u32 csum_off = l4_off + offsetof(struct echo_hdr, checksum);

	if (bpf_l4_csum_replace(skb, csum_off, type_word(old_type, code), type_word(new_type, code), 2) < 0)
		return -1;
	if (bpf_l4_csum_replace(skb, csum_off, 0, pseudo_diff, 0) < 0)
		return -1;
	return bpf_skb_store_bytes(skb, l4_off + offsetof(struct echo_hdr, type), &new_type, 1, 0);
}

SEC("tc/ingress")
int nat64_ingress(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	struct ipv6hdr *ip6 = (void *)(eth + 1);
	struct ipv6_pseudo_hdr pseudo = {};
	struct echo_hdr *echo = (void *)(ip6 + 1);
	struct iphdr ip = {};
	__be32 *saddr4, addrs4[2];
	__be16 eth_proto = bpf_htons(ETH_P_IP);
	__u8 protocol, echo_type = 0, echo_code = 0;
	__s64 diff;

	if ((void *)(ip6 + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IPV6) || !in_prefix(&ip6->daddr))
		return TC_ACT_OK;
	saddr4 = bpf_map_lookup_elem(&nat64_v6_to_v4, &ip6->saddr);
	if (!saddr4)
		return count(STAT_NO_MAPPING, TC_ACT_SHOT);

	protocol = ip6->nexthdr;
	if (protocol == IPPROTO_ICMPV6) {
		if ((void *)(echo + 1) > data_end)
			return count(STAT_UNSUPPORTED, TC_ACT_SHOT);
		if (echo->type != ICMPV6_ECHO_REQUEST && echo->type != ICMPV6_ECHO_REPLY)
			return count(STAT_UNSUPPORTED, TC_ACT_SHOT);
		echo_type = echo->type;
		echo_code = echo->code;
		protocol = IPPROTO_ICMP;
	} else if (protocol != IPPROTO_TCP && protocol != IPPROTO_UDP) {
		return count(STAT_UNSUPPORTED, TC_ACT_SHOT);
	}

	ip.version = 4;
	ip.ihl = 5;
	ip.tos = ip6->priority << 4 | ip6->flow_lbl[0] >> 4;
	ip.tot_len = bpf_htons(bpf_ntohs(ip6->payload_len) + sizeof(ip));
	ip.frag_off = bpf_htons(IP_DF);
	ip.ttl = ip6->hop_limit;
	ip.protocol = protocol;
	ip.saddr = *saddr4;
	ip.daddr = ip6->daddr.in6_u.u6_addr32[3];
	ip.check = csum_fold(bpf_csum_diff(NULL, 0, (void *)&ip, sizeof(ip), 0));

	pseudo.saddr = ip6->saddr;
	pseudo.daddr = ip6->daddr;
	pseudo.len = bpf_htonl(bpf_ntohs(ip6->payload_len));
	pseudo.nexthdr = IPPROTO_ICMPV6;
	addrs4[0] = ip.saddr;
	addrs4[1] = ip.daddr;
	if (protocol == IPPROTO_ICMP)	/* ICMP has no pseudo-header */
		diff = bpf_csum_diff((void *)&pseudo, sizeof(pseudo), NULL, 0, 0);
	else				/* only the addresses differ */
		diff = bpf_csum_diff((void *)&pseudo, sizeof(pseudo.saddr) + sizeof(pseudo.daddr),
				     addrs4, sizeof(addrs4), 0);

	if (bpf_skb_change_proto(skb, bpf_htons(ETH_P_IP), 0) < 0)
		return count(STAT_UNSUPPORTED, TC_ACT_SHOT);
	if (bpf_skb_store_bytes(skb, offsetof(struct ethhdr, h_proto), &eth_proto, sizeof(eth_proto), 0) < 0 ||
	    bpf_skb_store_bytes(skb, L3_OFF, &ip, sizeof(ip), 0) < 0)
		return count(STAT_UNSUPPORTED, TC_ACT_SHOT);

	if (protocol == IPPROTO_ICMP) {
		__u8 type = echo_type == ICMPV6_ECHO_REQUEST ? ICMP_ECHO : ICMP_ECHOREPLY;

		if (translate_echo(skb, L4_OFF_V4, echo_type, type, echo_code, diff) < 0)
			return count(STAT_UNSUPPORTED, TC_ACT_SHOT);
	} else if (bpf_l4_csum_replace(skb, L4_OFF_V4 + l4_csum_off(protocol), 0, diff, BPF_F_PSEUDO_HDR) < 0) {
		return count(STAT_UNSUPPORTED, TC_ACT_SHOT);
	}
	return count(STAT_6TO4, TC_ACT_OK);
}

SEC("tc/egress")
int nat64_egress(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	struct echo_hdr *echo = (void *)(ip + 1);
	struct udphdr *udp = (void *)(ip + 1);
	struct ipv6_pseudo_hdr pseudo = {};
	struct ipv6hdr ip6 = {};
	struct in6_addr *daddr6;
	__be32 addrs4[2];
	__be16 eth_proto = bpf_htons(ETH_P_IPV6);
	__u8 protocol, echo_type = 0, echo_code = 0;
	__s64 diff;

	if ((void *)(ip + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		return TC_ACT_OK;
	daddr6 = bpf_map_lookup_elem(&nat64_v4_to_v6, &ip->daddr);
	if (!daddr6)
		return TC_ACT_OK;
	if (ip->ihl != 5 || ip->frag_off & bpf_htons(IP_MF | IP_OFFSET))
		return count(STAT_UNSUPPORTED, TC_ACT_SHOT);

	protocol = ip->protocol;
	if (protocol == IPPROTO_ICMP) {
		if ((void *)(echo + 1) > data_end || (echo->type != ICMP_ECHO && echo->type != ICMP_ECHOREPLY))
			return count(STAT_UNSUPPORTED, TC_ACT_SHOT);
		echo_type = echo->type;
		echo_code = echo->code;
		protocol = IPPROTO_ICMPV6;
	} else if (protocol == IPPROTO_UDP) {
		/* IPv6 requires the checksum that UDP over IPv4 may leave out. */
		if ((void *)(udp + 1) > data_end || !udp->check)
			return count(STAT_UNSUPPORTED, TC_ACT_SHOT);
	} else if (protocol != IPPROTO_TCP) {
		return count(STAT_UNSUPPORTED, TC_ACT_SHOT);
	}

	ip6.version = 6;
	ip6.priority = ip->tos >> 4;
	ip6.flow_lbl[0] = ip->tos << 4;
	ip6.payload_len = bpf_htons(bpf_ntohs(ip->tot_len) - sizeof(*ip));
	ip6.nexthdr = protocol;
	ip6.hop_limit = ip->ttl;
	ip6.saddr.in6_u.u6_addr32[0] = bpf_htonl(NAT64_PREFIX_0);
	ip6.saddr.in6_u.u6_addr32[1] = bpf_htonl(NAT64_PREFIX_1);
	ip6.saddr.in6_u.u6_addr32[2] = bpf_htonl(NAT64_PREFIX_2);
	ip6.saddr.in6_u.u6_addr32[3] = ip->saddr;
	ip6.daddr = *daddr6;

	pseudo.saddr = ip6.saddr;
	pseudo.daddr = ip6.daddr;
	pseudo.len = bpf_htonl(bpf_ntohs(ip6.payload_len));
	pseudo.nexthdr = IPPROTO_ICMPV6;
	addrs4[0] = ip->saddr;
	addrs4[1] = ip->daddr;
	if (protocol == IPPROTO_ICMPV6)
		diff = bpf_csum_diff(NULL, 0, (void *)&pseudo, sizeof(pseudo), 0);
	else
		diff = bpf_csum_diff(addrs4, sizeof(addrs4), (void *)&pseudo,
				     sizeof(pseudo.saddr) + sizeof(pseudo.daddr), 0);

	if (bpf_skb_change_proto(skb, bpf_htons(ETH_P_IPV6), 0) < 0)
		return count(STAT_UNSUPPORTED, TC_ACT_SHOT);
	if (bpf_skb_store_bytes(skb, offsetof(struct ethhdr, h_proto), &eth_proto, sizeof(eth_proto), 0) < 0 ||
	    bpf_skb_store_bytes(skb, L3_OFF, &ip6, sizeof(ip6), 0) < 0)
		return count(STAT_UNSUPPORTED, TC_ACT_SHOT);

	if (protocol == IPPROTO_ICMPV6) {
		__u8 type = echo_type == ICMP_ECHO ? ICMPV6_ECHO_REQUEST : ICMPV6_ECHO_REPLY;

		if (translate_echo(skb, L4_OFF_V6, echo_type, type, echo_code, diff) < 0)
			return count(STAT_UNSUPPORTED, TC_ACT_SHOT);
	} else if (bpf_l4_csum_replace(skb, L4_OFF_V6 + l4_csum_off(protocol), 0, diff, BPF_F_PSEUDO_HDR) < 0) {
		return count(STAT_UNSUPPORTED, TC_ACT_SHOT);
	}
	return count(STAT_4TO6, TC_ACT_OK);
}

char _license[] SEC("license") = "GPL";
