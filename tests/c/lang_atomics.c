/* The __sync_* and __atomic_* builtins on 32- and 64-bit integers, signed and unsigned, on the
 * stack, in global data (.bss, .data) and in a map value, with every memory order the
 * read-modify-write builtins take.  Fetching atomics (their old value used) need -mcpu=v3.
 *
 * Not here: __atomic_load_n/__atomic_store_n (and __atomic_load/__atomic_store, fences,
 * __sync_lock_release), which clang-19's BPF back end cannot compile at all; bpfcc compiles
 * the relaxed/acquire/release ones for -mcpu=v4 (test_language.py runs them on their own),
 * and reports the others where they are written (tests/diagnostics/atomic_*.c).
 */
// clang-flags: -mcpu=v3
#include "lang.h"

/* Propagates the failing line of a check run through an inline function. */
#define CHECK(call)                                                          \
	do {                                                                 \
		int _line = (call);                                          \
		if (_line)                                                   \
			return _line;                                        \
	} while (0)

/* Each builtin once, on *p: the value it returns and what it leaves in *p. */
static __always_inline int sync_checks_32(__u32 *p)
{
	*p = 10;
	ASSERT(10, __sync_fetch_and_add(p, 5));
	ASSERT(15, *p);
	ASSERT(15, __sync_fetch_and_sub(p, opq_i(3)));
	ASSERT(12, *p);
	ASSERT(12, __sync_fetch_and_or(p, 0x30));
	ASSERT(0x3c, *p);
	ASSERT(0x3c, __sync_fetch_and_and(p, 0x1f));
	ASSERT(0x1c, *p);
	ASSERT(0x1c, __sync_fetch_and_xor(p, 0xff));
	ASSERT(0xe3, *p);
	ASSERT(0xe8, __sync_add_and_fetch(p, 5));
	ASSERT(0xe0, __sync_sub_and_fetch(p, 8));
	ASSERT(0xe7, __sync_or_and_fetch(p, opq_i(7)));
	ASSERT(0x24, __sync_and_and_fetch(p, 0x3c));
	ASSERT(0x18, __sync_xor_and_fetch(p, 0x3c));
	ASSERT(0x18, *p);
	ASSERT(0x18, __sync_val_compare_and_swap(p, 0x18, 0x40));
	ASSERT(0x40, *p);
	ASSERT(0x40, __sync_val_compare_and_swap(p, 0x18, 0x50));
	ASSERT(0x40, *p);
	ASSERT(1, __sync_bool_compare_and_swap(p, 0x40, 0x41));
	ASSERT(0, __sync_bool_compare_and_swap(p, 0x40, 0x42));
	ASSERT(0x41, *p);
	ASSERT(0x41, __sync_lock_test_and_set(p, 7));
	ASSERT(7, *p);
	ASSERT((__u32)-1, __sync_sub_and_fetch(p, 8));
	ASSERT((__u32)-1, __sync_fetch_and_add(p, 1));
	ASSERT(0, *p);
	/* results unused: the non-fetching instructions */
	__sync_fetch_and_add(p, 100);
	__sync_fetch_and_sub(p, opq_i(1));
	__sync_fetch_and_or(p, 0x100);
	__sync_fetch_and_and(p, 0x1f0);
	__sync_fetch_and_xor(p, 0x3);
	__sync_add_and_fetch(p, 1);
	(void)__sync_sub_and_fetch(p, 1);
	ASSERT(0x163, *p);
	return 0;
}

/* The __atomic_* read-modify-write builtins, with every memory order they take. */
static __always_inline int atomic_checks_32(__u32 *p)
{
	__u32 expected, desired, in, out;

	*p = 10;
	ASSERT(10, __atomic_fetch_add(p, 5, __ATOMIC_RELAXED));
	ASSERT(15, __atomic_fetch_sub(p, 3, __ATOMIC_CONSUME));
	ASSERT(12, __atomic_fetch_or(p, 0x30, __ATOMIC_ACQUIRE));
	ASSERT(0x3c, __atomic_fetch_and(p, 0x1f, __ATOMIC_RELEASE));
	ASSERT(0x1c, __atomic_fetch_xor(p, 0xff, __ATOMIC_ACQ_REL));
	ASSERT(0xe3, __atomic_fetch_add(p, 0, __ATOMIC_SEQ_CST));
	ASSERT(0xe8, __atomic_add_fetch(p, 5, __ATOMIC_SEQ_CST));
	ASSERT(0xe0, __atomic_sub_fetch(p, 8, __ATOMIC_RELAXED));
	ASSERT(0xe7, __atomic_or_fetch(p, 7, __ATOMIC_ACQUIRE));
	ASSERT(0x24, __atomic_and_fetch(p, 0x3c, __ATOMIC_RELEASE));
	ASSERT(0x18, __atomic_xor_fetch(p, 0x3c, __ATOMIC_ACQ_REL));
	ASSERT(0x18, __atomic_exchange_n(p, 0x20, __ATOMIC_SEQ_CST));
	ASSERT(0x20, __atomic_exchange_n(p, 0x21, __ATOMIC_RELAXED));
	ASSERT(0x21, *p);
	/* compare-exchange: on success `expected` stays, on failure it receives the value found */
	expected = 0x21;
	ASSERT(1, __atomic_compare_exchange_n(p, &expected, 0x30, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST));
	ASSERT(0x21, expected);
	ASSERT(0x30, *p);
	ASSERT(0, __atomic_compare_exchange_n(p, &expected, 0x40, 1, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED));
	ASSERT(0x30, expected);
	ASSERT(0x30, *p);
	desired = (__u32)opq_i(-5);
	ASSERT(1, __atomic_compare_exchange(p, &expected, &desired, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED));
	ASSERT((__u32)-5, *p);
	desired = 1;
	ASSERT(0, __atomic_compare_exchange(p, &expected, &desired, 1, __ATOMIC_SEQ_CST, __ATOMIC_ACQUIRE));
	ASSERT((__u32)-5, expected);
	in = 3;
	out = 0;
	__atomic_exchange(p, &in, &out, __ATOMIC_SEQ_CST);
	ASSERT((__u32)-5, out);
	ASSERT(3, *p);
	/* results unused */
	__atomic_fetch_add(p, 0x10, __ATOMIC_RELAXED);
	__atomic_fetch_add(p, 0x10, __ATOMIC_SEQ_CST);
	__atomic_fetch_or(p, 0x100, __ATOMIC_RELAXED);
	__atomic_fetch_and(p, 0x1ff, __ATOMIC_SEQ_CST);
	__atomic_fetch_xor(p, 0x2, __ATOMIC_RELAXED);
	__atomic_fetch_sub(p, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(p, 1, __ATOMIC_SEQ_CST);
	ASSERT(0x121, *p);
	return 0;
}

/* Each builtin once, on *p: the value it returns and what it leaves in *p. */
static __always_inline int sync_checks_64(__u64 *p)
{
	*p = 10;
	ASSERT(10, __sync_fetch_and_add(p, 5));
	ASSERT(15, *p);
	ASSERT(15, __sync_fetch_and_sub(p, opq_i(3)));
	ASSERT(12, *p);
	ASSERT(12, __sync_fetch_and_or(p, 0x30));
	ASSERT(0x3c, *p);
	ASSERT(0x3c, __sync_fetch_and_and(p, 0x1f));
	ASSERT(0x1c, *p);
	ASSERT(0x1c, __sync_fetch_and_xor(p, 0xff));
	ASSERT(0xe3, *p);
	ASSERT(0xe8, __sync_add_and_fetch(p, 5));
	ASSERT(0xe0, __sync_sub_and_fetch(p, 8));
	ASSERT(0xe7, __sync_or_and_fetch(p, opq_i(7)));
	ASSERT(0x24, __sync_and_and_fetch(p, 0x3c));
	ASSERT(0x18, __sync_xor_and_fetch(p, 0x3c));
	ASSERT(0x18, *p);
	ASSERT(0x18, __sync_val_compare_and_swap(p, 0x18, 0x40));
	ASSERT(0x40, *p);
	ASSERT(0x40, __sync_val_compare_and_swap(p, 0x18, 0x50));
	ASSERT(0x40, *p);
	ASSERT(1, __sync_bool_compare_and_swap(p, 0x40, 0x41));
	ASSERT(0, __sync_bool_compare_and_swap(p, 0x40, 0x42));
	ASSERT(0x41, *p);
	ASSERT(0x41, __sync_lock_test_and_set(p, 7));
	ASSERT(7, *p);
	ASSERT((__u64)-1, __sync_sub_and_fetch(p, 8));
	ASSERT((__u64)-1, __sync_fetch_and_add(p, 1));
	ASSERT(0, *p);
	/* results unused: the non-fetching instructions */
	__sync_fetch_and_add(p, 100);
	__sync_fetch_and_sub(p, opq_i(1));
	__sync_fetch_and_or(p, 0x100);
	__sync_fetch_and_and(p, 0x1f0);
	__sync_fetch_and_xor(p, 0x3);
	__sync_add_and_fetch(p, 1);
	(void)__sync_sub_and_fetch(p, 1);
	ASSERT(0x163, *p);
	return 0;
}

/* The __atomic_* read-modify-write builtins, with every memory order they take. */
static __always_inline int atomic_checks_64(__u64 *p)
{
	__u64 expected, desired, in, out;

	*p = 10;
	ASSERT(10, __atomic_fetch_add(p, 5, __ATOMIC_RELAXED));
	ASSERT(15, __atomic_fetch_sub(p, 3, __ATOMIC_CONSUME));
	ASSERT(12, __atomic_fetch_or(p, 0x30, __ATOMIC_ACQUIRE));
	ASSERT(0x3c, __atomic_fetch_and(p, 0x1f, __ATOMIC_RELEASE));
	ASSERT(0x1c, __atomic_fetch_xor(p, 0xff, __ATOMIC_ACQ_REL));
	ASSERT(0xe3, __atomic_fetch_add(p, 0, __ATOMIC_SEQ_CST));
	ASSERT(0xe8, __atomic_add_fetch(p, 5, __ATOMIC_SEQ_CST));
	ASSERT(0xe0, __atomic_sub_fetch(p, 8, __ATOMIC_RELAXED));
	ASSERT(0xe7, __atomic_or_fetch(p, 7, __ATOMIC_ACQUIRE));
	ASSERT(0x24, __atomic_and_fetch(p, 0x3c, __ATOMIC_RELEASE));
	ASSERT(0x18, __atomic_xor_fetch(p, 0x3c, __ATOMIC_ACQ_REL));
	ASSERT(0x18, __atomic_exchange_n(p, 0x20, __ATOMIC_SEQ_CST));
	ASSERT(0x20, __atomic_exchange_n(p, 0x21, __ATOMIC_RELAXED));
	ASSERT(0x21, *p);
	/* compare-exchange: on success `expected` stays, on failure it receives the value found */
	expected = 0x21;
	ASSERT(1, __atomic_compare_exchange_n(p, &expected, 0x30, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST));
	ASSERT(0x21, expected);
	ASSERT(0x30, *p);
	ASSERT(0, __atomic_compare_exchange_n(p, &expected, 0x40, 1, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED));
	ASSERT(0x30, expected);
	ASSERT(0x30, *p);
	desired = (__u64)opq_i(-5);
	ASSERT(1, __atomic_compare_exchange(p, &expected, &desired, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED));
	ASSERT((__u64)-5, *p);
	desired = 1;
	ASSERT(0, __atomic_compare_exchange(p, &expected, &desired, 1, __ATOMIC_SEQ_CST, __ATOMIC_ACQUIRE));
	ASSERT((__u64)-5, expected);
	in = 3;
	out = 0;
	__atomic_exchange(p, &in, &out, __ATOMIC_SEQ_CST);
	ASSERT((__u64)-5, out);
	ASSERT(3, *p);
	/* results unused */
	__atomic_fetch_add(p, 0x10, __ATOMIC_RELAXED);
	__atomic_fetch_add(p, 0x10, __ATOMIC_SEQ_CST);
	__atomic_fetch_or(p, 0x100, __ATOMIC_RELAXED);
	__atomic_fetch_and(p, 0x1ff, __ATOMIC_SEQ_CST);
	__atomic_fetch_xor(p, 0x2, __ATOMIC_RELAXED);
	__atomic_fetch_sub(p, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(p, 1, __ATOMIC_SEQ_CST);
	ASSERT(0x121, *p);
	return 0;
}

/* Values that need all 64 bits, and 32-bit wrap-around. */
static __always_inline int wide_checks(__u64 *p64, __u32 *p32)
{
	*p64 = 0xffffffffUL;
	ASSERT(0xffffffffUL, __sync_fetch_and_add(p64, 1));
	ASSERT(0x100000000UL, *p64);
	ASSERT(0x100000000UL, __sync_fetch_and_or(p64, 0x8000000000000000UL));
	ASSERT(0x8000000000000001UL, __sync_xor_and_fetch(p64, opq_ul(0x0000000100000001UL)));
	ASSERT(0x8000000000000001UL, __atomic_exchange_n(p64, 1UL << 40, __ATOMIC_SEQ_CST));
	ASSERT(1, __sync_bool_compare_and_swap(p64, 1UL << 40, opq_ul(-1UL)));
	ASSERT(-1UL, *p64);
	ASSERT(0, __sync_bool_compare_and_swap(p64, 0xffffffffUL, 0)); /* only the low half matches */
	*p32 = 0xffffffff;
	ASSERT(0xffffffff, __sync_fetch_and_add(p32, 2));
	ASSERT(1, *p32);
	ASSERT(0xffffffff, __sync_sub_and_fetch(p32, 2));
	ASSERT(0xffffffff, __sync_val_compare_and_swap(p32, -1, 0));
	ASSERT(0, *p32);
	return 0;
}

/* Signed operands: the result has the operand's type. */
static __always_inline int signed_checks(int *i, long *l)
{
	*i = 1;
	ASSERT(1, __sync_fetch_and_sub(i, 3) > 0);
	ASSERT(1, __sync_fetch_and_add(i, 0) < 0);
	ASSERT(-2, *i);
	ASSERT(-4, __sync_sub_and_fetch(i, opq_i(2)));
	ASSERT(-4, __atomic_fetch_or(i, 1, __ATOMIC_RELAXED));
	ASSERT(-3, __atomic_exchange_n(i, -1, __ATOMIC_SEQ_CST));
	ASSERT(4, sizeof(__sync_fetch_and_add(i, 0)));
	*l = -1;
	ASSERT(-1L, __sync_fetch_and_add(l, 0x100000000L));
	ASSERT(0xffffffffL, *l);
	ASSERT(-0x100000001L, __atomic_sub_fetch(l, 0x200000000L, __ATOMIC_RELAXED));
	ASSERT(1, __sync_val_compare_and_swap(l, -0x100000001L, 5) < 0);
	ASSERT(5, *l);
	ASSERT(8, sizeof(__sync_fetch_and_add(l, 0)));
	return 0;
}

SEC("tc")
int check_atomics_on_stack(struct __sk_buff *skb)
{
	int i;
	long l;
	__u32 u;
	__u64 ul;

	CHECK(sync_checks_32(&u));
	CHECK(sync_checks_64(&ul));
	CHECK(atomic_checks_32(&u));
	CHECK(atomic_checks_64(&ul));
	CHECK(wide_checks(&ul, &u));
	CHECK(signed_checks(&i, &l));
	return 0;
}

/* Global data: .bss (zero-initialised) and .data, both map values to the kernel. */
static int g_i;
static __u32 g_u;
static long g_l = 5;
__u64 g_ul = 6;

SEC("tc")
int check_atomics_on_globals(struct __sk_buff *skb)
{
	CHECK(sync_checks_32(&g_u));
	CHECK(sync_checks_64(&g_ul));
	CHECK(atomic_checks_32(&g_u));
	CHECK(atomic_checks_64(&g_ul));
	CHECK(wide_checks(&g_ul, &g_u));
	CHECK(signed_checks(&g_i, &g_l));
	/* straight on the global, no pointer variable in between */
	g_i = 1;
	ASSERT(1, __sync_fetch_and_add(&g_i, 1));
	ASSERT(4, __atomic_add_fetch(&g_i, 2, __ATOMIC_RELAXED));
	ASSERT(4, __sync_lock_test_and_set(&g_i, 0));
	ASSERT(0, g_i);
	return 0;
}

struct counters {
	__u32 packets;
	int delta;
	__u64 bytes;
	long total;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct counters);
} atomic_counters SEC(".maps");

SEC("tc")
int check_atomics_on_map_values(struct __sk_buff *skb)
{
	__u32 key = opq_u(1);
	struct counters *c = bpf_map_lookup_elem(&atomic_counters, &key);

	if (!c)
		return __LINE__;
	CHECK(sync_checks_32(&c->packets));
	CHECK(sync_checks_64(&c->bytes));
	CHECK(atomic_checks_32(&c->packets));
	CHECK(atomic_checks_64(&c->bytes));
	CHECK(wide_checks(&c->bytes, &c->packets));
	CHECK(signed_checks(&c->delta, &c->total));
	/* the usual use: count packets and bytes */
	c->packets = 0;
	c->bytes = 0;
	__sync_fetch_and_add(&c->packets, 1);
	__sync_fetch_and_add(&c->bytes, skb->len);
	__atomic_fetch_add(&c->packets, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&c->bytes, skb->len, __ATOMIC_RELAXED);
	ASSERT(2, c->packets);
	ASSERT(2 * FRAME_LEN, c->bytes);
	return 0;
}

char _license[] SEC("license") = "GPL";
