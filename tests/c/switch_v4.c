/* Small switches that return constants, for -mcpu=v4: LLVM 22 would turn them into .rodata
 * lookup tables (and, with gotox, jump tables) that kernels before 6.19 refuse; bpfcc keeps
 * them as compares, as clang-19 does.  Each check_* returns 0 or the failing line. */
#include "lang.h"

static __attribute__((noinline)) int weight(int x)
{
	switch (x) {
	case 0: return 10;
	case 1: return 27;
	case 2: return 3;
	case 3: return 99;
	case 4: return 41;
	case 5: return 7;
	default: return 1;
	}
}

static __always_inline unsigned long long lifetime(unsigned char state)
{
	/* conntrack.c's shape: a byte index, cases off zero, 64-bit results */
	switch (state) {
	case 4: return 60000000000ULL;
	case 5: return 21600000000000ULL;
	case 6: return 10000000000ULL;
	default: return 60000000000ULL;
	}
}

SEC("tc")
int check_switch_table(struct __sk_buff *skb)
{
	ASSERT(10, weight(opq_i(0)));
	ASSERT(99, weight(opq_i(3)));
	ASSERT(7, weight(opq_i(5)));
	ASSERT(1, weight(opq_i(6)));
	ASSERT(1, weight(opq_i(-1)));
	ASSERT(3, weight(skb->len & 7));          /* FRAME_LEN & 7 == 2 */
	return 0;
}

SEC("tc")
int check_switch_byte_index(struct __sk_buff *skb)
{
	ASSERT(21600000000000ULL, lifetime((unsigned char)opq_i(5)));
	ASSERT(10000000000ULL, lifetime((unsigned char)opq_i(6)));
	ASSERT(60000000000ULL, lifetime((unsigned char)opq_i(4 + 256)));
	ASSERT(60000000000ULL, lifetime((unsigned char)(skb->len + 250)));   /* 356 & 0xff == 100 */
	return 0;
}

char _license[] SEC("license") = "GPL";
