/* SPDX-License-Identifier: GPL-2.0 */
/* packet01-style parser: walk Ethernet (with VLAN tags), IPv4 or IPv6, then ICMP or
 * ICMPv6, and drop echo requests whose sequence number is even; everything else passes. */
#include <linux/bpf.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "common/parsing_helpers.h"
#include "common/xdp_stats_kern_user.h"
#include "common/xdp_stats_kern.h"

SEC("xdp")
int xdp_parser_func(struct xdp_md *ctx)
{
	void *data_end = (void *)(long)ctx->data_end;
	void *data = (void *)(long)ctx->data;
	struct hdr_cursor nh;
	struct collect_vlans vlans = {};
	struct ethhdr *eth;
	struct ipv6hdr *ip6h;
	struct iphdr *iph;
	struct icmp6hdr *icmp6h;
	struct icmphdr *icmph;
	int nh_type, icmp_type;
	__u16 seq;
	__u32 action = XDP_PASS;

	nh.pos = data;

	nh_type = parse_ethhdr_vlan(&nh, data_end, &eth, &vlans);
	if (nh_type == bpf_htons(ETH_P_IPV6)) {
		nh_type = parse_ip6hdr(&nh, data_end, &ip6h);
		if (nh_type != IPPROTO_ICMPV6)
			goto out;

		icmp_type = parse_icmp6hdr(&nh, data_end, &icmp6h);
		if (icmp_type != ICMPV6_ECHO_REQUEST)
			goto out;

		seq = bpf_ntohs(icmp6h->icmp6_sequence);
	} else if (nh_type == bpf_htons(ETH_P_IP)) {
		nh_type = parse_iphdr(&nh, data_end, &iph);
		if (nh_type != IPPROTO_ICMP)
			goto out;

		icmp_type = parse_icmphdr(&nh, data_end, &icmph);
		if (icmp_type != ICMP_ECHO)
			goto out;

		seq = bpf_ntohs(icmph->un.echo.sequence);
	} else {
		goto out;
	}

	/* VLAN 13 is trusted: never filter it. */
	if (vlans.id[0] == 13)
		goto out;

	if (seq % 2 == 0)
		action = XDP_DROP;
out:
	return xdp_stats_record_action(ctx, action);
}

char _license[] SEC("license") = "GPL";
