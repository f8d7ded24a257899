/* BPF_MAP_TYPE_ARRAY: per-slot packet and byte counters, slot chosen by the UDP port. */
#include "flow.h"

struct counter {
	__u64 packets;
	__u64 bytes;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, struct counter);
} counters SEC(".maps");

SEC("xdp")
int count_by_port(struct xdp_md *ctx)
{
	struct flow f;
	struct counter *c;
	__u32 slot;

	if (parse_flow(ctx, &f))
		return XDP_PASS;
	slot = f.dport % 8;
	c = bpf_map_lookup_elem(&counters, &slot);
	if (!c)
		return XDP_ABORTED;
	c->packets++;
	c->bytes += ctx->data_end - ctx->data;
	return c->packets > 100 ? XDP_DROP : XDP_PASS;
}

char _license[] SEC("license") = "GPL";
