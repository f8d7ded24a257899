/* Direct compares of packet pointers, the bounds checks the verifier learns packet ranges from.
 * ctx->data and ctx->data_end are 32-bit fields that the verifier rewrites into 64-bit pointer
 * loads, so every compare of pointers made from them must stay a 64-bit compare: a 32-bit one
 * (`if w1 < w2`) teaches the verifier nothing.  Each check runs in an XDP and in a tc program,
 * which the verifier must accept; test_language.py also checks that the object compares no
 * registers in 32 bits (clang-19 builds it for the same CPU, v3, which has 32-bit jumps). */
// clang-flags: -mcpu=v3
#include "lang.h"

static __always_inline int direct_compares(void *data, void *data_end)
{
	unsigned char *bytes = data;

	if (!(data < data_end))
		return __LINE__;
	if (data + 14 > data_end)
		return __LINE__;
	ASSERT(0x08, bytes[12]);
	if (data_end >= data + 34) {
		ASSERT(IPPROTO_UDP, bytes[23]);
	} else {
		return __LINE__;
	}
	if (data_end <= data + 41)
		return __LINE__;
	ASSERT(FRAME_DPORT & 0xff, bytes[37]);
	if (data + 42 < data_end)
		ASSERT(0, bytes[42]);
	else
		return __LINE__;
	if (data + FRAME_LEN + 1 <= data_end)
		return __LINE__;
	if (data == data_end)
		return __LINE__;
	return 0;
}

SEC("xdp")
int check_xdp_direct_compares(struct xdp_md *ctx)
{
	return direct_compares((void *)(long)ctx->data, (void *)(long)ctx->data_end);
}

SEC("tc")
int check_tc_direct_compares(struct __sk_buff *skb)
{
	return direct_compares((void *)(long)skb->data, (void *)(long)skb->data_end);
}

/* The addresses kept in 64-bit integers, converted to pointers later. */
static __always_inline int via_integers(__u64 start, unsigned long end)
{
	unsigned char *p = (unsigned char *)start;
	void *limit = (void *)end;

	if ((void *)p >= limit)
		return __LINE__;
	if ((void *)(p + 14) > limit)
		return __LINE__;
	ASSERT(0x02, p[0]);
	ASSERT(0x00, p[13]);
	return 0;
}

SEC("xdp")
int check_xdp_via_integers(struct xdp_md *ctx)
{
	return via_integers(ctx->data, ctx->data_end);
}

SEC("tc")
int check_tc_via_integers(struct __sk_buff *skb)
{
	return via_integers(skb->data, skb->data_end);
}

/* A header found at an offset only known at run time, then bounds-checked. */
static __always_inline int runtime_offset(void *data, void *data_end)
{
	struct iphdr *ip = data + (opq_u(ETH_HLEN) & 0x3f);
	struct udphdr *udp;

	if ((void *)(ip + 1) > data_end)
		return __LINE__;
	ASSERT(FRAME_TTL, ip->ttl);
	udp = (void *)ip + ip->ihl * 4;
	if ((void *)udp + sizeof(*udp) > data_end)
		return __LINE__;
	ASSERT(FRAME_SPORT, bpf_ntohs(udp->source));
	if ((void *)(udp + 1) + FRAME_PAYLOAD_LEN > data_end)
		return __LINE__;
	ASSERT(FRAME_PAYLOAD_LEN - 1, ((unsigned char *)(udp + 1))[FRAME_PAYLOAD_LEN - 1]);
	return 0;
}

SEC("xdp")
int check_xdp_runtime_offset(struct xdp_md *ctx)
{
	return runtime_offset((void *)(long)ctx->data, (void *)(long)ctx->data_end);
}

SEC("tc")
int check_tc_runtime_offset(struct __sk_buff *skb)
{
	return runtime_offset((void *)(long)skb->data, (void *)(long)skb->data_end);
}

char _license[] SEC("license") = "GPL";
