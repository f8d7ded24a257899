/* BPF_MAP_TYPE_PROG_ARRAY: tail calls chosen by the UDP port; slot 0 is set by a static
 * initialiser, the others from user space. */
#include "flow.h"

SEC("xdp")
int drop_all(struct xdp_md *ctx)
{
	return XDP_DROP;
}

SEC("xdp")
int transmit(struct xdp_md *ctx)
{
	return XDP_TX;
}

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__array(values, int (struct xdp_md *));
} handlers SEC(".maps") = {
	.values = { [0] = &drop_all },
};

SEC("xdp")
int dispatch(struct xdp_md *ctx)
{
	struct flow f;

	if (parse_flow(ctx, &f))
		return XDP_PASS;
	bpf_tail_call(ctx, &handlers, f.dport & 3);
	return XDP_ABORTED; /* empty slot */
}

char _license[] SEC("license") = "GPL";
