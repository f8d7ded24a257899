/* GNU C's conditional with the middle operand left out: `x ?: y` is `x ? x : y` with x
 * evaluated once.  Common in kernel-style code. */
#include "lang.h"

SEC("tc")
int check_elvis(struct __sk_buff *skb)
{
	int x = opq_i(5), zero = opq_i(0), n = 0;
	long l = opq_l(0);

	ASSERT(5, x ?: 7);
	ASSERT(7, zero ?: 7);
	ASSERT(7, (x - 5) ?: 7);
	ASSERT(1, ++n ?: 9);                    /* evaluated once */
	ASSERT(1, n);
	ASSERT(8, sizeof(x ?: l));
	ASSERT(3, l ?: zero ?: 3);
	return 0;
}

char _license[] SEC("license") = "GPL";
