/* Unroll counts given by macros and constant expressions, which clang expands and evaluates:
 * `#pragma unroll N`, `#pragma GCC unroll N`, `#pragma clang loop unroll_count(N)`.
 * test_language.py checks the shape each count gives: the helper call in a loop body appears
 * once per unrolled copy. */
#include "lang.h"

#define TRIPS 16
#define COUNT 4
#define HALF_OF(n) ((n) / 2)

enum { ENUM_COUNT = 8 };

SEC("tc")
int check_unroll_full_by_macro(struct __sk_buff *skb)
{
	__u64 calls = 0;

#pragma unroll TRIPS
	for (int i = 0; i < TRIPS; i++)
		calls += bpf_ktime_get_ns() != 0;
	ASSERT(TRIPS, calls);
	return 0;
}

SEC("tc")
int check_unroll_count_by_macro(struct __sk_buff *skb)
{
	__u64 calls = 0;

#pragma clang loop unroll_count(COUNT)
	for (int i = 0; i < TRIPS; i++)
		calls += bpf_ktime_get_ns() != 0;
	ASSERT(TRIPS, calls);
	return 0;
}

SEC("tc")
int check_unroll_count_by_expression(struct __sk_buff *skb)
{
	__u64 calls = 0;

#pragma unroll (HALF_OF(COUNT))
	for (int i = 0; i < TRIPS; i++)
		calls += bpf_ktime_get_ns() != 0;
	ASSERT(TRIPS, calls);
	return 0;
}

SEC("tc")
int check_gcc_unroll_by_enum(struct __sk_buff *skb)
{
	__u64 calls = 0;

#pragma GCC unroll ENUM_COUNT
	for (int i = 0; i < TRIPS; i++)
		calls += bpf_ktime_get_ns() != 0;
	ASSERT(TRIPS, calls);
	return 0;
}

char _license[] SEC("license") = "GPL";
