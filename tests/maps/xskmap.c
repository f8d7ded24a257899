/* BPF_MAP_TYPE_XSKMAP: UDP packets to the AF_XDP socket of their receive queue, if one is bound;
 * everything else to the kernel stack. */
#include "flow.h"

struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u32);
} xsks SEC(".maps");

SEC("xdp")
int to_socket(struct xdp_md *ctx)
{
	struct flow f;

	if (parse_flow(ctx, &f))
		return XDP_PASS;
	return bpf_redirect_map(&xsks, ctx->rx_queue_index, XDP_PASS);
}

char _license[] SEC("license") = "GPL";
