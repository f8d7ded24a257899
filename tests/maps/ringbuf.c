/* BPF_MAP_TYPE_RINGBUF: one record per UDP packet, through both reserve/submit and output. */
#include "flow.h"

struct event {
	__u32 daddr;
	__u16 dport;
	__u16 len;
	__u64 seq;
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096 * 4);
} events SEC(".maps");

__u64 sequence;

SEC("xdp")
int report(struct xdp_md *ctx)
{
	struct flow f;
	struct event *e;

	if (parse_flow(ctx, &f))
		return XDP_PASS;
	if (f.dport & 1) {
		/* odd ports: a copy from the stack */
		struct event copy = {
			.daddr = f.daddr, .dport = f.dport,
			.len = ctx->data_end - ctx->data, .seq = ++sequence,
		};
		return bpf_ringbuf_output(&events, &copy, sizeof(copy), 0) ? XDP_ABORTED : XDP_PASS;
	}
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e)
		return XDP_ABORTED;
	e->daddr = f.daddr;
	e->dport = f.dport;
	e->len = ctx->data_end - ctx->data;
	e->seq = ++sequence;
	bpf_ringbuf_submit(e, 0);
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
