/* Nested #pragma unroll loops whose inner trip count depends on the outer counter: each inner
 * copy's trip count is known once the outer loop is unrolled.  `#pragma unroll` asks LLVM to
 * unroll (llvm.loop.unroll.enable, as clang spells it), not for a full unroll up front, which
 * would give up on the inner loop before the outer one is unrolled.  test_language.py checks
 * that no loop is left. */
#include "lang.h"

SEC("tc")
int check_nested_unroll(struct __sk_buff *skb)
{
	int i, sum;

	/* nested */
	sum = 0;
#pragma unroll
	for (i = 0; i < 4; i++) {
#pragma unroll
		for (int j = 0; j < 4; j++) {
			if (j > i)
				break;
			sum += opq_i(i * 4 + j);
		}
	}
	ASSERT(0 + (4 + 5) + (8 + 9 + 10) + (12 + 13 + 14 + 15), sum);
	return 0;
}

char _license[] SEC("license") = "GPL";
