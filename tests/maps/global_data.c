/* Global variables libbpf turns into maps: .bss, .data and .rodata, plus named .data.* and
 * .rodata.* sections.  The const volatile settings are what user space patches before load. */
#include "flow.h"

__u64 packets;                                /* .bss */
__u64 bytes;                                  /* .bss */
__u32 weight = 3;                             /* .data: user space may change it any time */
__u64 weighted;                               /* .bss */
const volatile __u32 udp_verdict = XDP_PASS;  /* .rodata: fixed once loaded */
const volatile __u16 blocked_port = 9;        /* .rodata */
static const __u8 port_class[8] = { 0, 1, 1, 2, 2, 2, 3, 3 };  /* .rodata: a const array */
__u64 per_class[4] SEC(".data.classes");                   /* a named data section */
const volatile __u64 class_limit SEC(".rodata.limits") = 3;  /* a named read-only section */

SEC("xdp")
int account(struct xdp_md *ctx)
{
	struct flow f;
	__u32 class;

	packets++;
	bytes += ctx->data_end - ctx->data;
	weighted += weight;
	if (parse_flow(ctx, &f))
		return XDP_PASS;
	if (f.dport == blocked_port)
		return XDP_DROP;
	class = port_class[f.dport & 7];
	if (per_class[class & 3]++ >= class_limit)
		return XDP_DROP;
	return udp_verdict;
}

char _license[] SEC("license") = "GPL";
