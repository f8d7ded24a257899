/* Division and modulo by zero, where BPF and C part ways.
 *
 * C leaves x / 0 and x % 0 undefined; BPF defines them: the quotient is 0 and the remainder is
 * the dividend (for signed division too, since -mcpu=v4's sdiv and smod).  With a divisor known
 * only at run time, the instruction decides, and bpfcc gives what clang-19 gives: 0 and x, in
 * 8 to 64 bits, signed (bpfcc's v3 emulation keeps BPF's rule) and unsigned.  With a constant
 * zero divisor the program is undefined: both compilers warn ("division by zero is undefined")
 * and may fold it to anything, so it is not checked here (test_language.py checks the warning).
 */
// clang-flags: -mcpu=v4
#include "lang.h"

/* The optimiser may use C's rule: `7 / d == 0` becomes `d > 7` (d cannot be 0 in C).  Reading
 * the quotient back from a volatile slot makes the division itself happen and its result count. */
#define KEEP(x) ({ volatile __typeof__(x) _kept = (x); _kept; })

SEC("tc")
int check_unsigned_by_zero(struct __sk_buff *skb)
{
	unsigned int zero = opq_u(0);
	unsigned long lzero = opq_ul(0);

	ASSERT(0, KEEP(opq_u(7) / zero));
	ASSERT(7, KEEP(opq_u(7) % zero));
	ASSERT(0, KEEP(opq_u(0xffffffff) / zero));
	ASSERT(0xffffffff, KEEP(opq_u(0xffffffff) % zero));
	ASSERT(0, KEEP(opq_ul(-1UL) / lzero));
	ASSERT(-1UL, KEEP(opq_ul(-1UL) % lzero));
	ASSERT(0x123456789UL, KEEP(opq_ul(0x123456789UL) % lzero));
	ASSERT(0, KEEP(opq_uc(200) / (unsigned char)zero));             /* promoted to int: signed */
	ASSERT(200, KEEP(opq_uc(200) % (unsigned char)zero));
	{
		unsigned int x = opq_u(9);

		x /= zero;
		x = KEEP(x);
		ASSERT(0, x);
		x = opq_u(9);
		x %= zero;
		x = KEEP(x);
		ASSERT(9, x);
	}
	return 0;
}

SEC("tc")
int check_signed_by_zero(struct __sk_buff *skb)
{
	int zero = opq_i(0);
	long lzero = opq_l(0);

	ASSERT(0, KEEP(opq_i(7) / zero));
	ASSERT(7, KEEP(opq_i(7) % zero));
	ASSERT(0, KEEP(opq_i(-7) / zero));
	ASSERT(-7, KEEP(opq_i(-7) % zero));                            /* the dividend, sign and all */
	ASSERT(-2147483647 - 1, KEEP(opq_i(-2147483647 - 1) % zero));
	ASSERT(0, KEEP(opq_l(-5000000000L) / lzero));
	ASSERT(-5000000000L, KEEP(opq_l(-5000000000L) % lzero));
	ASSERT(0, KEEP(opq_c(-100) / (signed char)zero));
	ASSERT(-100, KEEP(opq_c(-100) % (signed char)zero));
	ASSERT(-300, KEEP(opq_s(-300) % (short)zero));
	{
		long x = opq_l(-11);

		x /= lzero;
		x = KEEP(x);
		ASSERT(0, x);
		x = opq_l(-11);
		x %= lzero;
		x = KEEP(x);
		ASSERT(-11, x);
	}
	return 0;
}

/* The divisor is zero for only some of the values a loop divides by. */
SEC("tc")
int check_zero_among_divisors(struct __sk_buff *skb)
{
	int q = 0, r = 0;

#pragma unroll
	for (int d = -2; d <= 2; d++) {
		q += KEEP(opq_i(12) / opq_i(d));                            /* -6 -12 0 12 6 */
		r += KEEP(opq_i(-13) % opq_i(d));                           /* -1 0 -13 0 -1 */
	}
	ASSERT(0, q);
	ASSERT(-15, r);
	return 0;
}

char _license[] SEC("license") = "GPL";
