// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* A cgroup traffic meter and egress firewall: cgroup_skb programs on a cgroup v2 count the
 * IPv4 packets and bytes its sockets send and receive per protocol, and refuse datagrams to
 * one blocked UDP port on the way out.  skb data starts at the network header here. */
#include <linux/bpf.h>
#include <linux/ip.h>
#include <linux/in.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define SK_DROP		0
#define SK_PASS		1

#ifndef BLOCKED_UDP_PORT
#define BLOCKED_UDP_PORT 9999
#endif

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct traffic {
	__u64 packets;
	__u64 bytes;
	__u64 blocked;
};

/* Key: direction * 256 + IP protocol. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 512);
	__type(key, __u32);
	__type(value, struct traffic);
} traffic SEC(".maps");

enum dir { INGRESS = 0, EGRESS = 1 };

static __always_inline int meter(struct __sk_buff *skb, enum dir dir)
{
	struct traffic *t;
	struct iphdr iph;
	struct udphdr udph;
	__u32 key;

	if (skb->protocol != bpf_htons(0x0800))
		return SK_PASS;
	if (bpf_skb_load_bytes(skb, 0, &iph, sizeof(iph)) < 0)
		return SK_PASS;

	key = dir * 256 + iph.protocol;
	t = bpf_map_lookup_elem(&traffic, &key);
	if (!t)
		return SK_PASS;

	if (dir == EGRESS && iph.protocol == IPPROTO_UDP &&
	    bpf_skb_load_bytes(skb, iph.ihl * 4, &udph, sizeof(udph)) == 0 &&
	    udph.dest == bpf_htons(BLOCKED_UDP_PORT)) {
		__sync_fetch_and_add(&t->blocked, 1);
		return SK_DROP;
	}

	__sync_fetch_and_add(&t->packets, 1);
	__sync_fetch_and_add(&t->bytes, skb->len);
	return SK_PASS;
}

SEC("cgroup_skb/ingress")
int meter_ingress(struct __sk_buff *skb)
{
	return meter(skb, INGRESS);
}

SEC("cgroup_skb/egress")
int meter_egress(struct __sk_buff *skb)
{
	return meter(skb, EGRESS);
}
