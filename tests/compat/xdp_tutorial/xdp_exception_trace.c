/* SPDX-License-Identifier: GPL-2.0 */
/* tracing01-style monitor: a tracepoint program on xdp:xdp_exception counts aborted
 * packets per interface, next to the XDP program that aborts on UDP port 9 (discard). */
#include <linux/bpf.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "common/parsing_helpers.h"

#define DISCARD_PORT 9

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __s32);
	__type(value, __u64);
	__uint(max_entries, 10);
} xdp_stats_map SEC(".maps");

/* Layout from /sys/kernel/tracing/events/xdp/xdp_exception/format. */
struct xdp_exception_ctx {
	__u64 __pad;		/* the first 8 bytes are not accessible to BPF */
	__s32 prog_id;
	__u32 act;
	__s32 ifindex;
};

SEC("tracepoint/xdp/xdp_exception")
int trace_xdp_exception(struct xdp_exception_ctx *ctx)
{
	__s32 key = ctx->ifindex;
	__u64 *valp;

	if (ctx->act != XDP_ABORTED)
		return 0;

	valp = bpf_map_lookup_elem(&xdp_stats_map, &key);
	if (!valp) {
		__u64 one = 1;

		return bpf_map_update_elem(&xdp_stats_map, &key, &one, 0) ? 1 : 0;
	}

	(*valp)++;
	return 0;
}

SEC("xdp")
int xdp_abort_func(struct xdp_md *ctx)
{
	void *data_end = (void *)(long)ctx->data_end;
	struct hdr_cursor nh = { .pos = (void *)(long)ctx->data };
	struct ethhdr *eth;
	struct iphdr *iph;
	struct udphdr *udph;

	if (parse_ethhdr(&nh, data_end, &eth) != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	if (parse_iphdr(&nh, data_end, &iph) != IPPROTO_UDP)
		return XDP_PASS;
	if (parse_udphdr(&nh, data_end, &udph) < 0)
		return XDP_PASS;

	return udph->dest == bpf_htons(DISCARD_PORT) ? XDP_ABORTED : XDP_PASS;
}

char _license[] SEC("license") = "GPL";
