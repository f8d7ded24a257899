/* Atomic adds whose result is unused: BPF's original atomic instruction (`lock *p += v`, XADD),
 * the only one -mcpu=v1 and v2 have.  test_language.py also builds this file for v1 and v2,
 * runs it, and checks that the adds are that instruction. */
#include "lang.h"

__u64 total;
__u32 hits;

SEC("tc")
int check_atomic_add_unused(struct __sk_buff *skb)
{
	__u64 bytes = skb->len;

	total = 0;
	hits = 0;
	__sync_fetch_and_add(&total, bytes);
	__sync_fetch_and_add(&hits, 1);
	(void)__sync_add_and_fetch(&hits, opq_u(2));
	__atomic_fetch_add(&total, 10, __ATOMIC_RELAXED);
	__atomic_add_fetch(&hits, 4, __ATOMIC_SEQ_CST);
	__sync_fetch_and_sub(&total, 3);
	ASSERT(FRAME_LEN + 7, total);
	ASSERT(7, hits);
	return 0;
}

char _license[] SEC("license") = "GPL";
