/* BPF_MAP_TYPE_DEVMAP: redirect to the device in the slot named by the UDP port; an empty slot
 * passes the packet (the flags' low bits are bpf_redirect_map's fallback verdict). */
#include "flow.h"

struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, struct bpf_devmap_val);
} tx_ports SEC(".maps");

SEC("xdp")
int redirect_dev(struct xdp_md *ctx)
{
	struct flow f;

	if (parse_flow(ctx, &f))
		return XDP_PASS;
	return bpf_redirect_map(&tx_ports, f.dport & 3, XDP_PASS);
}

char _license[] SEC("license") = "GPL";
