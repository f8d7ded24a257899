/* BPF_MAP_TYPE_HASH: a packet count per UDP flow, created on first sight. */
#include "flow.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, struct flow);
	__type(value, __u64);
} flows SEC(".maps");

SEC("xdp")
int count_flows(struct xdp_md *ctx)
{
	struct flow f;
	__u64 one = 1, *count;

	if (parse_flow(ctx, &f))
		return XDP_PASS;
	count = bpf_map_lookup_elem(&flows, &f);
	if (count) {
		__sync_fetch_and_add(count, 1);
		return *count > 3 ? XDP_DROP : XDP_PASS;
	}
	if (bpf_map_update_elem(&flows, &f, &one, BPF_NOEXIST))
		return XDP_ABORTED;
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
