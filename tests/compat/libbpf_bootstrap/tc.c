// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* libbpf-bootstrap's "tc" shape: an ingress classifier over vmlinux.h types (so the uapi
 * macros are defined by hand) that logs IPv4 packets and keeps a TTL histogram; packets
 * whose TTL is about to expire are dropped here rather than by the router. */
#include "vmlinux.h"
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#define TC_ACT_OK	0
#define TC_ACT_SHOT	2
#define ETH_P_IP	0x0800 /* Internet Protocol packet */

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Packets per TTL, in buckets of 32. */
__u64 ttl_buckets[8] = {};
__u64 expiring = 0;

SEC("tc")
int tc_ingress(struct __sk_buff *ctx)
{
	void *data_end = (void *)(__u64)ctx->data_end;
	void *data = (void *)(__u64)ctx->data;
	struct ethhdr *l2;
	struct iphdr *l3;

	if (ctx->protocol != bpf_htons(ETH_P_IP))
		return TC_ACT_OK;

	l2 = data;
	if ((void *)(l2 + 1) > data_end)
		return TC_ACT_OK;

	l3 = (struct iphdr *)(l2 + 1);
	if ((void *)(l3 + 1) > data_end)
		return TC_ACT_OK;

	bpf_printk("Got IP packet: tot_len: %d, ttl: %d", bpf_ntohs(l3->tot_len), l3->ttl);
	__sync_fetch_and_add(&ttl_buckets[l3->ttl >> 5], 1);

	if (l3->ttl <= 1) {
		__sync_fetch_and_add(&expiring, 1);
		return TC_ACT_SHOT;
	}
	return TC_ACT_OK;
}
