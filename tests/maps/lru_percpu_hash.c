/* BPF_MAP_TYPE_LRU_PERCPU_HASH: per-CPU packet counts per source address, LRU-bounded. */
#include "flow.h"

struct {
	__uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u32);
} per_source SEC(".maps");

SEC("xdp")
int count_sources(struct xdp_md *ctx)
{
	struct flow f;
	__u32 one = 1, *count;

	if (parse_flow(ctx, &f))
		return XDP_PASS;
	count = bpf_map_lookup_elem(&per_source, &f.saddr);
	if (count) {
		*count += 1;
		return XDP_PASS;
	}
	bpf_map_update_elem(&per_source, &f.saddr, &one, BPF_ANY);
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
