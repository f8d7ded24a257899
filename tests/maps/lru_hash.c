/* BPF_MAP_TYPE_LRU_HASH: the last source ports seen per destination port; old ones are evicted. */
#include "flow.h"

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 128);
	__uint(key_size, sizeof(__u16));
	__uint(value_size, sizeof(__u16));
} last_sport SEC(".maps");

SEC("xdp")
int remember(struct xdp_md *ctx)
{
	struct flow f;
	__u16 *old;

	if (parse_flow(ctx, &f))
		return XDP_PASS;
	old = bpf_map_lookup_elem(&last_sport, &f.dport);
	if (old && *old == f.sport)
		return XDP_DROP; /* a repeat */
	bpf_map_update_elem(&last_sport, &f.dport, &f.sport, BPF_ANY);
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
