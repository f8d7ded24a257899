// xdp_decap: the backend's half of xdp_lb.  IP-in-IP packets from the
// balancer (outer source LB_IPV4) lose their outer IPv4 header here, before
// the stack sees them, so the stack receives the client's packet to the VIP
// (which the backend holds on lo) and answers the client directly.  IP-in-IP
// from anyone else is dropped; all other traffic passes untouched.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "lb.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct lb_counter);
	__uint(max_entries, DECAP_STAT_MAX);
} decap_stats SEC(".maps");

static __always_inline void count(enum decap_stat what, __u64 bytes)
{
	__u32 index = what;
	struct lb_counter *c = bpf_map_lookup_elem(&decap_stats, &index);

	if (c) {
		c->packets++;
		c->bytes += bytes;
	}
}

SEC("xdp")
int xdp_decap(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u64 bytes = data_end - data;
	struct ethhdr *eth = data;
	struct iphdr *outer = (void *)(eth + 1);
	struct iphdr *inner = outer + 1;
	struct ethhdr copy;

	if ((void *)(outer + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	if (outer->protocol != IPPROTO_IPIP)
		return XDP_PASS;
	/* The balancer never sends options or fragments. */
	if (outer->saddr != LB_IPV4 || outer->ihl != 5 || (outer->frag_off & bpf_htons(0x3fff)) ||
	    (void *)(inner + 1) > data_end || inner->version != 4) {
		count(DECAP_STAT_UNTRUSTED, bytes);
		return XDP_DROP;
	}

	/* The Ethernet header moves up over the outer IPv4 header. */
	__builtin_memcpy(&copy, eth, sizeof(copy));
	if (bpf_xdp_adjust_head(ctx, sizeof(*outer)))
		return XDP_ABORTED;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	eth = data;
	if ((void *)(eth + 1) > data_end)
		return XDP_ABORTED;
	__builtin_memcpy(eth, &copy, sizeof(*eth));
	count(DECAP_STAT_DECAPSULATED, bytes);
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
