/* BPF_MAP_TYPE_PERCPU_HASH: per-CPU byte totals by destination port. */
#include "flow.h"

struct totals {
	__u64 packets;
	__u64 bytes;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 32);
	__type(key, __u16);
	__type(value, struct totals);
} port_totals SEC(".maps");

SEC("xdp")
int sum_ports(struct xdp_md *ctx)
{
	struct flow f;
	struct totals *t, fresh = {};

	if (parse_flow(ctx, &f))
		return XDP_PASS;
	t = bpf_map_lookup_elem(&port_totals, &f.dport);
	if (!t) {
		bpf_map_update_elem(&port_totals, &f.dport, &fresh, BPF_NOEXIST);
		t = bpf_map_lookup_elem(&port_totals, &f.dport);
		if (!t)
			return XDP_ABORTED;
	}
	t->packets++;
	t->bytes += ctx->data_end - ctx->data;
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
