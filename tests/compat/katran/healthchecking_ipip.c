/* Copyright (C) compat-suite authors.
 * katran's healthchecker: health-check probes leave the host with skb->mark naming the
 * real they check; this tc egress program wraps them in an IPIP tunnel towards that real
 * (bpf_skb_set_tunnel_key) and redirects them to the tunnel device. */
#include <stdbool.h>
#include <stddef.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "balancer_consts.h"

#define CTRL_MAP_SIZE		4
#define MAX_REALS_HC		64
#define HC_MAIN_INTF_POSITION	0

#define HC_STATS_SIZE		1
#define STATS_POS		0

struct hc_real_definition {
	__be32 daddr;
	__u8 flags;
};

struct hc_stats {
	__u64 pckts_processed;
	__u64 pckts_dropped;
	__u64 pckts_skipped;
	__u64 pckts_too_big;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u32);
	__uint(max_entries, CTRL_MAP_SIZE);
} hc_ctrl_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, struct hc_real_definition);
	__uint(max_entries, MAX_REALS_HC);
} hc_reals_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct hc_stats);
	__uint(max_entries, HC_STATS_SIZE);
} hc_stats_map SEC(".maps");

SEC("tc")
int healthcheck_encap(struct __sk_buff *skb)
{
	__u32 stats_key = STATS_POS;
	__u32 key = HC_MAIN_INTF_POSITION;
	struct bpf_tunnel_key tkey = {};
	struct hc_real_definition *real;
	struct hc_stats *prog_stats;
	__u32 *intf_ifindex;
	__u32 somark = skb->mark;
	int ret;

	prog_stats = bpf_map_lookup_elem(&hc_stats_map, &stats_key);
	if (!prog_stats)
		return TC_ACT_UNSPEC;

	if (skb->len > MAX_PCKT_SIZE) {
		prog_stats->pckts_too_big += 1;
		return TC_ACT_UNSPEC;
	}

	real = bpf_map_lookup_elem(&hc_reals_map, &somark);
	if (!real) {
		/* Not a health check: leave it alone. */
		prog_stats->pckts_skipped += 1;
		return TC_ACT_UNSPEC;
	}

	intf_ifindex = bpf_map_lookup_elem(&hc_ctrl_map, &key);
	if (!intf_ifindex) {
		prog_stats->pckts_dropped += 1;
		return TC_ACT_SHOT;
	}

	tkey.tunnel_ttl = DEFAULT_TTL;
	tkey.remote_ipv4 = bpf_ntohl(real->daddr);
	ret = bpf_skb_set_tunnel_key(skb, &tkey, sizeof(tkey), 0);
	if (ret) {
		prog_stats->pckts_dropped += 1;
		return TC_ACT_SHOT;
	}

	/* The mark was only a label for this program. */
	skb->mark = 0;
	prog_stats->pckts_processed += 1;
	return bpf_redirect(*intf_ifindex, 0);
}

char _license[] SEC("license") = "GPL";
