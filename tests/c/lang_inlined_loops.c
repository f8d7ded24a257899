/* Loops bounded by a parameter of an always_inline function: after inlining the bound is a
 * constant, and the verifier proves the loop that LLVM keeps (bpfcc recognises it in the
 * optimised IR; the checker alone sees only `i < n`). */
#include "lang.h"

static __always_inline void fill(unsigned char *p, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = opq_i(i);
}

static __always_inline unsigned int countdown(unsigned int from, unsigned int step)
{
	unsigned int sum = 0;

	while (from > step) {
		sum += opq_u(from);
		from -= step;
	}
	return sum;
}

static __always_inline long skip_until(const unsigned char *p, long end)
{
	long i = 0;

	do
		i += 2;
	while (i != end && p[i] != 0x55);
	return i;
}

SEC("tc")
int check_inlined_bound(struct __sk_buff *skb)
{
	unsigned char buf[64];

	fill(buf, 64);
	ASSERT(3, buf[opq_i(3) & 63]);
	ASSERT(63, buf[opq_i(63) & 63]);
	return 0;
}

SEC("tc")
int check_inlined_bound_down(struct __sk_buff *skb)
{
	ASSERT(333 * (1000 + 4) / 2, countdown(1000, 3));      /* 1000, 997, ..., 4 */
	return 0;
}

SEC("tc")
int check_inlined_bound_not_equal(struct __sk_buff *skb)
{
	unsigned char buf[64];

	for (int i = 0; i < 64; i++)
		buf[i] = opq_uc(i);
	ASSERT(62, skip_until(buf, 62));
	return 0;
}

char _license[] SEC("license") = "GPL";
