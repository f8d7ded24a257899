/* SPDX-License-Identifier: GPL-2.0 */
/* basic04-style program: pass IP traffic, drop everything else, and count every packet
 * and its bytes under the action taken in a per-CPU stats map. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "common/parsing_helpers.h"
#include "common/xdp_stats_kern_user.h"
#include "common/xdp_stats_kern.h"

SEC("xdp")
int xdp_stats1_func(struct xdp_md *ctx)
{
	void *data_end = (void *)(long)ctx->data_end;
	void *data = (void *)(long)ctx->data;
	struct hdr_cursor nh = { .pos = data };
	struct ethhdr *eth;
	__u32 action;
	int eth_type;

	eth_type = parse_ethhdr(&nh, data_end, &eth);
	if (eth_type == bpf_htons(ETH_P_IP) || eth_type == bpf_htons(ETH_P_IPV6))
		action = XDP_PASS;
	else if (eth_type == bpf_htons(ETH_P_ARP))
		action = XDP_PASS;
	else
		action = XDP_DROP;

	return xdp_stats_record_action(ctx, action);
}

SEC("xdp")
int xdp_drop_func(struct xdp_md *ctx)
{
	return xdp_stats_record_action(ctx, XDP_DROP);
}

char _license[] SEC("license") = "GPL";
