/* BPF_MAP_TYPE_CPUMAP: spread UDP flows over CPUs by source port; an empty slot drops. */
#include "flow.h"

struct {
	__uint(type, BPF_MAP_TYPE_CPUMAP);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct bpf_cpumap_val);
} cpus SEC(".maps");

SEC("xdp")
int spread(struct xdp_md *ctx)
{
	struct flow f;

	if (parse_flow(ctx, &f))
		return XDP_PASS;
	return bpf_redirect_map(&cpus, f.sport & 1, XDP_DROP);
}

char _license[] SEC("license") = "GPL";
