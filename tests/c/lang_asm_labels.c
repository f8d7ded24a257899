/* GNU asm labels: a declaration's `asm("name")` is its symbol's name in the object, and
 * `asm("llvm.bpf.load.*")` makes a function LLVM's LD_ABS/LD_IND load (iproute2's bpf_api.h). */
#include "lang.h"

unsigned long long load_byte(void *skb, unsigned long long off) asm("llvm.bpf.load.byte");
unsigned long long load_half(void *skb, unsigned long long off) asm("llvm.bpf.load.half");
unsigned long long load_word(void *skb, unsigned long long off) asm("llvm.bpf.load.word");

int hits asm("lang_hits") = 3;

static __attribute__((noinline)) int twice(int x) asm("lang_twice");
static __attribute__((noinline)) int twice(int x)
{
	return 2 * x + hits;
}

/* LD_ABS reads the packet at a constant offset, LD_IND at a variable one; both give the
 * value in host order (big-endian on the wire). */
SEC("tc")
int check_ld_abs(struct __sk_buff *skb)
{
	ASSERT(ETH_P_IP, load_half(skb, 12));
	ASSERT(IPPROTO_UDP, load_byte(skb, ETH_HLEN + 9));
	ASSERT(FRAME_TTL, load_byte(skb, ETH_HLEN + 8));
	ASSERT(FRAME_SADDR, load_word(skb, ETH_HLEN + 12));
	ASSERT(FRAME_DADDR, load_word(skb, ETH_HLEN + 16));
	ASSERT(FRAME_SPORT, load_half(skb, ETH_HLEN + 20));
	ASSERT(FRAME_DPORT, load_half(skb, ETH_HLEN + 22));
	ASSERT(0x04050607, load_word(skb, opq_ull(ETH_HLEN + 28 + 4)));
	ASSERT(9, load_byte(skb, opq_ull(ETH_HLEN + 28 + 9)));
	return 0;
}

SEC("tc")
int check_renamed_symbols(struct __sk_buff *skb)
{
	extern int hits asm("lang_hits");
	static int calls asm("lang_calls");

	calls++;
	ASSERT(13, twice(opq_i(5)));
	hits = 4;
	ASSERT(14, twice(opq_i(5)));
	ASSERT(1, calls);
	return 0;
}

char _license[] SEC("license") = "GPL";
