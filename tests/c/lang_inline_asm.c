/* BPF inline assembly with instructions: bpfcc translates it into IR (llvmlite's LLVM has no BPF
 * assembler); clang-19 assembles it.  Operands are 64-bit values, so both read the same bits. */
// clang-flags: -mcpu=v3
#include "lang.h"

typedef unsigned long long u64;
typedef long long s64;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, u64);
} asm_values SEC(".maps");

SEC("tc")
int check_asm_alu(struct __sk_buff *skb)
{
	u64 x = opq_ull(0x1234), y;
	s64 n = opq_ll(-64);

	asm volatile("%[x] &= 0xff; %[x] += 3\n\t%[x] <<= 4" : [x]"+r"(x));
	ASSERT(0x370, x);
	asm volatile("%[y] = %[x]\n\t%[y] |= 1\n\t%[y] ^= 0x10\n\t%[y] -= %[x]" : [y]"=&r"(y) : [x]"r"(x));
	ASSERT(0x370 ^ 0x11, y + 0x370);
	asm volatile("%0 s>>= 2" : "+r"(n));
	ASSERT(-16, n);
	asm volatile("%0 >>= 60" : "=r"(y) : "0"(n));
	ASSERT(15, y);
	asm volatile("%0 *= %1" : "+r"(x) : "i"(3));
	ASSERT(0xa50, x);
	asm volatile("%0 = -%0" : "+r"(x));
	ASSERT(-0xa50LL, (s64)x);
	asm volatile("%0 = %1 ll" : "=r"(y) : "i"(0x123456789abcULL));
	ASSERT(0x123456789abcULL, y);
	asm volatile("%0 = -1" : "=r"(y));
	ASSERT(~0ULL, y);
	return 0;
}

SEC("tc")
int check_asm_division(struct __sk_buff *skb)
{
	u64 x = opq_ull(100), zero = opq_ull(0), q, r;

	asm volatile("%0 = %2; %0 /= %3; %1 = %2; %1 %%= %3" : "=&r"(q), "=&r"(r) : "r"(x), "r"(opq_ull(7)));
	ASSERT(14, q);
	ASSERT(2, r);
	asm volatile("%0 = %2; %0 /= %3; %1 = %2; %1 %%= %3" : "=&r"(q), "=&r"(r) : "r"(x), "r"(zero));
	ASSERT(0, q);	/* BPF: x / 0 = 0 */
	ASSERT(100, r);	/* x % 0 = x */
	return 0;
}

SEC("tc")
int check_asm_subregisters(struct __sk_buff *skb)
{
	u64 x = opq_ull(0xffffffff00000005ULL), y;

	asm volatile("r1 = %1\n\tw1 += 0xfffffffe\n\t%0 = r1" : "=r"(y) : "r"(x) : "r1");
	ASSERT(3, y);	/* a 32-bit operation wraps and clears the upper half */
	asm volatile("r2 = %1\n\tw2 <<= 29\n\t%0 = r2" : "=r"(y) : "r"(x) : "r2");
	ASSERT(0xa0000000, y);	/* a 32-bit shift drops what leaves the low half */
	asm volatile("r3 = %1\n\tr3 = be16 r3\n\t%0 = r3" : "=r"(y) : "r"(opq_ull(0x11223344)) : "r3");
	ASSERT(0x4433, y);
	asm volatile("r3 = %1\n\tr3 = be32 r3\n\t%0 = r3" : "=r"(y) : "r"(opq_ull(0x11223344)) : "r3");
	ASSERT(0x44332211, y);
	asm volatile("r4 = %1\n\tr4 = le16 r4\n\t%0 = r4" : "=r"(y) : "r"(opq_ull(0x11223344)) : "r4");
	ASSERT(0x3344, y);
	return 0;
}

SEC("tc")
int check_asm_helper_call(struct __sk_buff *skb)
{
	__u32 key = 0;
	u64 value = 42, *found;

	bpf_map_update_elem(&asm_values, &key, &value, BPF_ANY);
	asm volatile("r1 = %[map]\n\tr2 = %[key]\n\tcall %[lookup]\n\t%[found] = r0"
		     : [found]"=r"(found)
		     : [map]"r"(&asm_values), [key]"r"(&key), [lookup]"i"(BPF_FUNC_map_lookup_elem)
		     : "r0", "r1", "r2", "r3", "r4", "r5", "memory");
	if (!found)
		return __LINE__;
	ASSERT(42, *found);
	return 0;
}

char _license[] SEC("license") = "GPL";
