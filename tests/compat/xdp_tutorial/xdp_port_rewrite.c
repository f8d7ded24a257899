/* SPDX-License-Identifier: GPL-2.0 */
/* packet02-style rewriting: decrement the destination port of UDP and TCP packets, fixing
 * the checksum incrementally, and a second program that pops the outer VLAN tag or, on an
 * untagged frame, pushes VLAN 1. */
#include <linux/bpf.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "common/parsing_helpers.h"
#include "common/rewrite_helpers.h"

/* RFC 1624 incremental update for a 16-bit field that went from old to new. */
static __always_inline __u16 csum_update16(__u16 csum, __be16 old, __be16 new)
{
	__u32 sum = (__u16)~csum + (__u16)~old + (__u16)new;

	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return ~sum;
}

SEC("xdp")
int xdp_port_rewrite_func(struct xdp_md *ctx)
{
	void *data_end = (void *)(long)ctx->data_end;
	void *data = (void *)(long)ctx->data;
	struct hdr_cursor nh = { .pos = data };
	struct ethhdr *eth;
	struct iphdr *iph;
	struct ipv6hdr *ip6h;
	struct udphdr *udph;
	struct tcphdr *tcph;
	int eth_type, ip_type;
	__be16 old;

	eth_type = parse_ethhdr(&nh, data_end, &eth);
	if (eth_type == bpf_htons(ETH_P_IP))
		ip_type = parse_iphdr(&nh, data_end, &iph);
	else if (eth_type == bpf_htons(ETH_P_IPV6))
		ip_type = parse_ip6hdr(&nh, data_end, &ip6h);
	else
		return XDP_PASS;

	if (ip_type == IPPROTO_UDP) {
		if (parse_udphdr(&nh, data_end, &udph) < 0)
			return XDP_ABORTED;
		old = udph->dest;
		udph->dest = bpf_htons(bpf_ntohs(old) - 1);
		/* A zero UDP checksum over IPv4 means "none": keep it so. */
		if (udph->check)
			udph->check = csum_update16(udph->check, old, udph->dest);
	} else if (ip_type == IPPROTO_TCP) {
		if (parse_tcphdr(&nh, data_end, &tcph) < 0)
			return XDP_ABORTED;
		old = tcph->dest;
		tcph->dest = bpf_htons(bpf_ntohs(old) - 1);
		tcph->check = csum_update16(tcph->check, old, tcph->dest);
	}
	return XDP_PASS;
}

SEC("xdp")
int xdp_vlan_swap_func(struct xdp_md *ctx)
{
	void *data_end = (void *)(long)ctx->data_end;
	void *data = (void *)(long)ctx->data;
	struct hdr_cursor nh = { .pos = data };
	struct ethhdr *eth;
	int nh_type;

	nh_type = parse_ethhdr(&nh, data_end, &eth);
	if (nh_type < 0)
		return XDP_PASS;

	if (proto_is_vlan(eth->h_proto))
		vlan_tag_pop(ctx, eth);
	else if (vlan_tag_push(ctx, eth, 1) < 0)
		return XDP_ABORTED;

	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
