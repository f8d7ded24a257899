/* __builtin_bswap16/32/64, __builtin_expect, __builtin_constant_p and __builtin_unreachable, and
 * <bpf/bpf_endian.h>'s byte-order macros, which fold to constants for constant arguments
 * (test_language.py checks that check_endian_constants has no byte-swap instruction). */
#include "lang.h"

SEC("tc")
int check_bswap(struct __sk_buff *skb)
{
	ASSERT(0x3412, __builtin_bswap16(0x1234));
	ASSERT(0x78563412, __builtin_bswap32(0x12345678));
	ASSERT(0x0807060504030201UL, __builtin_bswap64(0x0102030405060708UL));
	ASSERT(0x3412, __builtin_bswap16(opq_us(0x1234)));
	ASSERT(0x78563412, __builtin_bswap32(opq_u(0x12345678)));
	ASSERT(0x0807060504030201UL, __builtin_bswap64(opq_ul(0x0102030405060708UL)));
	ASSERT(0x00ff, __builtin_bswap16(opq_us(0xff00)));
	ASSERT(0x80, __builtin_bswap32(opq_u(0x80000000)));
	ASSERT(0x8000000000000000UL, __builtin_bswap64(opq_ul(0x80)));
	ASSERT(2, sizeof(__builtin_bswap16(0)));
	ASSERT(4, sizeof(__builtin_bswap32(0)));
	ASSERT(8, sizeof(__builtin_bswap64(0)));
	/* the argument converts to the unsigned type first */
	ASSERT(0xffff, __builtin_bswap16(opq_i(-1)));
	ASSERT(0x5634, __builtin_bswap16(opq_u(0x123456)));
	ASSERT(0x7fffffffffffffffUL, __builtin_bswap64(opq_l(-129)));
	ASSERT(0x12345678, __builtin_bswap32(__builtin_bswap32(opq_u(0x12345678))));
	return 0;
}

SEC("tc")
int check_endian_runtime(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct udphdr *udp = data + ETH_HLEN + 20;
	struct iphdr *ip = data + ETH_HLEN;

	if ((void *)(udp + 1) > data_end)
		return __LINE__;
	/* first, and a sum: neither folds into a compare of the raw field with a swapped constant */
	ASSERT(FRAME_SPORT + FRAME_DPORT, bpf_ntohs(udp->source) + bpf_ntohs(udp->dest));
	ASSERT(FRAME_SPORT, bpf_ntohs(udp->source));
	ASSERT(FRAME_DPORT, bpf_ntohs(udp->dest));
	ASSERT(udp->dest, bpf_htons(FRAME_DPORT));
	ASSERT(FRAME_SADDR, bpf_ntohl(ip->saddr));
	ASSERT(ip->daddr, bpf_htonl(FRAME_DADDR));
	ASSERT(0x3412, bpf_htons(opq_us(0x1234)));
	ASSERT(0x78563412, bpf_ntohl(opq_u(0x12345678)));
	ASSERT(0x0807060504030201UL, bpf_cpu_to_be64(opq_ul(0x0102030405060708UL)));
	ASSERT(0x0807060504030201UL, bpf_be64_to_cpu(opq_ul(0x0102030405060708UL)));
	return 0;
}

/* Constant arguments only: the byte order is fixed at compile time, no instruction swaps. */
SEC("tc")
int check_endian_constants(struct __sk_buff *skb)
{
	ASSERT(0x0008, bpf_htons(ETH_P_IP));
	ASSERT(0xdd86, bpf_htons(ETH_P_IPV6));
	ASSERT(0x3412, bpf_ntohs(0x1234));
	ASSERT(0x0100007f, bpf_htonl(0x7f000001));
	ASSERT(0x78563412, bpf_ntohl(0x12345678));
	ASSERT(0x0807060504030201UL, bpf_cpu_to_be64(0x0102030405060708UL));
	ASSERT(0x0807060504030201UL, bpf_be64_to_cpu(0x0102030405060708UL));
	ASSERT(0x3412, __bpf_constant_htons(0x1234));
	ASSERT(0x3412, __builtin_bswap16(0x1234));
	{
		/* a header field written in network order, as programs do */
		__be16 proto = bpf_htons(ETH_P_ARP);
		__be32 addr = bpf_htonl(FRAME_SADDR);

		ASSERT(0x0608, proto);
		ASSERT(0x0100c80a, addr);
		ASSERT(opq_us(0x0608), proto);
	}
	return 0;
}

static __always_inline int is_constant(int x)
{
	return __builtin_constant_p(x);
}

int global_counter;           /* not static: anyone may change it */

SEC("tc")
int check_constant_p(struct __sk_buff *skb)
{
	int x = opq_i(3);
	const int k = 4;

	ASSERT(1, __builtin_constant_p(3 + 4));
	ASSERT(1, __builtin_constant_p(sizeof(int)));
	ASSERT(1, __builtin_constant_p(ETH_P_IP));
	ASSERT(1, __builtin_constant_p(1 ? 2 : x));
	ASSERT(1, __builtin_constant_p("a string"));
	ASSERT(0, __builtin_constant_p(x));
	ASSERT(0, __builtin_constant_p(skb->len));
	ASSERT(0, __builtin_constant_p(global_counter));
	ASSERT(0, __builtin_constant_p(x++));            /* side effects: 0, and not evaluated */
	ASSERT(3, x);
	/* after optimisation, as clang: a constant that reaches it through inlining counts */
	ASSERT(1, is_constant(5));
	ASSERT(0, is_constant(opq_i(7)));
	ASSERT(1, __builtin_constant_p(k));
	ASSERT(4, sizeof(__builtin_constant_p(x)));
	return 0;
}

static __always_inline int low_bits(int x)
{
	switch (x & 3) {
	case 0:
		return 10;
	case 1:
		return 11;
	case 2:
		return 12;
	case 3:
		return 13;
	}
	__builtin_unreachable();
}

SEC("tc")
int check_expect_and_unreachable(struct __sk_buff *skb)
{
	int x = opq_i(5), hits = 0;

	if (__builtin_expect(x == 5, 1))
		hits++;
	if (__builtin_expect(x != 5, 0))
		return __LINE__;
	if (__builtin_expect(!!skb->len, 1))
		hits++;
	ASSERT(2, hits);
	ASSERT(7, __builtin_expect(opq_i(7), 0));
	ASSERT(7L, __builtin_expect(opq_l(7), 7));
	ASSERT(8, sizeof(__builtin_expect(x, 1)));               /* long, as in GCC and clang */
	if (__builtin_expect_with_probability(x > 100, 1, 0.1))
		return __LINE__;
	ASSERT(11, low_bits(opq_i(5)));
	ASSERT(13, low_bits(opq_i(-1)));
	ASSERT(10, low_bits(opq_i(8)));
	if (x != 5)
		__builtin_unreachable();
	ASSERT(5, x);
	return 0;
}

char _license[] SEC("license") = "GPL";
