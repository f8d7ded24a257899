/* Division and modulo: C truncates toward zero, and (a / b) * b + a % b == a.
 * bpfcc's default cpu (v3) has no signed division instruction and emulates it.
 */
// clang-flags: -mcpu=v4
#include "lang.h"

SEC("tc")
int check_constant_division(struct __sk_buff *skb)
{
	ASSERT(3, 7 / 2);
	ASSERT(-3, -7 / 2);
	ASSERT(-3, 7 / -2);
	ASSERT(3, -7 / -2);
	ASSERT(1, 7 % 2);
	ASSERT(-1, -7 % 2);
	ASSERT(1, 7 % -2);
	ASSERT(-1, -7 % -2);
	ASSERT(0x7fffffff, 0xffffffffu / 2);
	ASSERT(-1, -1 / 2 * 2 - 1);
	ASSERT(2147483647, -2147483647 / -1);
	ASSERT(-2147483648L, -2147483648L / 1);
	ASSERT(2147483648L, -2147483648L / -1);  /* long: no overflow */
	ASSERT(1, (-9223372036854775807L - 1) / -9223372036854775807L);
	return 0;
}

SEC("tc")
int check_runtime_signed_division(struct __sk_buff *skb)
{
	int a = opq_i(7), b = opq_i(2), na = opq_i(-7), nb = opq_i(-2);
	long la = opq_l(-1000000000000L), lb = opq_l(7);
	signed char c = opq_c(-128), d = opq_c(-1);
	short s = opq_s(-32768);

	ASSERT(3, a / b);
	ASSERT(-3, na / b);
	ASSERT(-3, a / nb);
	ASSERT(3, na / nb);
	ASSERT(1, a % b);
	ASSERT(-1, na % b);
	ASSERT(1, a % nb);
	ASSERT(-1, na % nb);
	ASSERT(-142857142857L, la / lb);
	ASSERT(-1L, la % lb);
	ASSERT(142857142857L, la / -lb);
	ASSERT(128, c / d);           /* promoted to int: no overflow */
	ASSERT(0, c % d);
	ASSERT(32768, s / d);
	ASSERT(-16384, s / b);
	ASSERT(-64, c / b);
	ASSERT(0, s % b);
	ASSERT(-2147483647 - 1, opq_i(-2147483647 - 1) / opq_i(1));
	ASSERT(-1, opq_i(-2147483647 - 1) / opq_i(2147483647));
	ASSERT(-1, opq_i(-2147483647 - 1) % opq_i(2147483647));
	ASSERT(0, opq_i(0) / nb);
	ASSERT(0, opq_i(1) / nb);
	ASSERT(1, opq_i(1) % nb);
	ASSERT(-1, opq_i(-1) % nb);
	ASSERT(-9223372036854775807L, opq_l(-9223372036854775807L) / opq_l(1));
	ASSERT(-4611686018427387904L, opq_l(-9223372036854775807L - 1) / opq_l(2));
	ASSERT(1, opq_l(-9223372036854775807L - 1) / opq_l(-9223372036854775807L - 1));
	ASSERT(-1, opq_l(-9223372036854775807L) % opq_l(-2));
	{
		int i, sq = 0, sr = 0;
#pragma unroll
		for (i = -9; i <= 9; i++) {
			if (i == 0)
				continue;
			sq += na / opq_i(i) * i;
			sr += na % opq_i(i);
		}
		ASSERT(-82, sq);    /* sum over i != 0 of i * (-7 / i) */
		ASSERT(-44, sr);    /* sum over i != 0 of -7 % i */
	}
	return 0;
}

SEC("tc")
int check_mixed_sign_division(struct __sk_buff *skb)
{
	int na = opq_i(-7);
	unsigned u = opq_u(2);
	long l = opq_l(-7);

	ASSERT(2147483644U, na / u);      /* int converted to unsigned: (2^32 - 7) / 2 */
	ASSERT(1U, na % u);
	ASSERT(-3L, l / u);               /* unsigned int converted to long: signed division */
	ASSERT(-1L, l % u);
	ASSERT(0x7ffffffffffffffcUL, l / (unsigned long)u);
	ASSERT(-3, na / (int)u);
	ASSERT(-7 / 3, na / 3);
	ASSERT(-7 % 3, na % 3);
	ASSERT(-2, na / 3);
	ASSERT(-1, na % 3);
	ASSERT(-1, na / 4);               /* not the same as an arithmetic shift: -7 >> 2 == -2 */
	ASSERT(-2, na >> 2);
	ASSERT(-3, na % 4);
	ASSERT(-1, l / 4);
	ASSERT(-3L, l % 4);
	return 0;
}

SEC("tc")
int check_unsigned_division(struct __sk_buff *skb)
{
	unsigned a = opq_u(0xfffffff0), b = opq_u(3);
	unsigned long la = opq_ul(0xfffffffffffffff0UL), lb = opq_ul(0x100000001UL);
	unsigned char c = opq_uc(250), d = opq_uc(7);

	ASSERT(0x55555550U, a / b);
	ASSERT(0U, a % b);
	ASSERT(0xfffffffeUL, la / lb);
	ASSERT(0xfffffff2UL, la % lb);
	ASSERT(35, c / d);
	ASSERT(5, c % d);
	ASSERT(0x3ffffffc, a / 4);
	ASSERT(0, a % 4);
	ASSERT(0x0fffffffffffffffUL, la / 16);
	return 0;
}

char _license[] SEC("license") = "GPL";
