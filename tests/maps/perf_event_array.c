/* BPF_MAP_TYPE_PERF_EVENT_ARRAY: a sample per UDP packet on the current CPU's perf buffer,
 * with the first bytes of the packet appended by the kernel. */
#include "flow.h"

#define SAMPLE_BYTES 16

struct sample {
	__u16 sport;
	__u16 dport;
	__u32 pkt_len;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(int));
	__uint(value_size, sizeof(__u32));
} samples SEC(".maps");

SEC("xdp")
int sample_packets(struct xdp_md *ctx)
{
	struct flow f;
	struct sample s;
	__u64 flags;

	if (parse_flow(ctx, &f))
		return XDP_PASS;
	s.sport = f.sport;
	s.dport = f.dport;
	s.pkt_len = ctx->data_end - ctx->data;
	flags = BPF_F_CURRENT_CPU | ((__u64)SAMPLE_BYTES << 32);
	return bpf_perf_event_output(ctx, &samples, flags, &s, sizeof(s)) ? XDP_ABORTED : XDP_PASS;
}

char _license[] SEC("license") = "GPL";
