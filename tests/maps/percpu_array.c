/* BPF_MAP_TYPE_PERCPU_ARRAY: per-CPU packet counters by IP protocol, no atomics needed. */
#include "flow.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, __u64);
} proto_packets SEC(".maps");

SEC("xdp")
int count_protocols(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	__u64 *count;
	__u32 key;

	if ((void *)(ip + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	key = ip->protocol;
	count = bpf_map_lookup_elem(&proto_packets, &key);
	if (!count)
		return XDP_ABORTED;
	*count += 1;
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
