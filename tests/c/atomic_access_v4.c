/* Atomic loads and stores: __atomic_load_n/__atomic_store_n, __atomic_load/__atomic_store,
 * __sync_lock_release and __atomic_signal_fence, on the stack, in global data and in a map value.
 *
 * clang-19's BPF back end cannot compile any of these (it stops with "Cannot select"), so unlike
 * lang_*.c this file has no reference to compare with.  bpfcc compiles relaxed accesses as plain
 * loads and stores on every CPU, acquire loads and release stores as -mcpu=v4's load-acquire and
 * store-release instructions (Linux 6.15+); test_language.py compiles it with -mcpu=v4 and runs
 * every check_* program in the kernel.  Same conventions as lang_*.c (see lang.h).
 */
#include "lang.h"

#define CHECK(call)                                                          \
	do {                                                                 \
		int _line = (call);                                          \
		if (_line)                                                   \
			return _line;                                        \
	} while (0)

static __always_inline int access_checks(__u32 *p32, __u64 *p64)
{
	__u32 v32;
	__u64 v64;

	__atomic_store_n(p32, 0x11223344, __ATOMIC_RELAXED);
	ASSERT(0x11223344, __atomic_load_n(p32, __ATOMIC_RELAXED));
	__atomic_store_n(p64, 0x1122334455667788UL, __ATOMIC_RELEASE);
	ASSERT(0x1122334455667788UL, __atomic_load_n(p64, __ATOMIC_ACQUIRE));
	ASSERT(0x1122334455667788UL, __atomic_load_n(p64, __ATOMIC_CONSUME));
	__atomic_store_n(p32, opq_u(7), __ATOMIC_RELEASE);
	ASSERT(7, __atomic_load_n(p32, __ATOMIC_ACQUIRE));
	ASSERT(7, *p32);
	v64 = opq_ul(-2UL);
	__atomic_store(p64, &v64, __ATOMIC_RELAXED);
	v64 = 0;
	__atomic_load(p64, &v64, __ATOMIC_ACQUIRE);
	ASSERT(-2UL, v64);
	v32 = 9;
	__atomic_store(p32, &v32, __ATOMIC_RELEASE);
	v32 = 0;
	__atomic_load(p32, &v32, __ATOMIC_RELAXED);
	ASSERT(9, v32);
	/* a lock word: taken with test-and-set, given back with release */
	ASSERT(9, __sync_lock_test_and_set(p32, 1));
	__sync_lock_release(p32);
	ASSERT(0, __atomic_load_n(p32, __ATOMIC_ACQUIRE));
	/* a compiler barrier: no instruction, but the stores before it happen */
	*p64 = 5;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	ASSERT(5, __atomic_load_n(p64, __ATOMIC_RELAXED));
	return 0;
}

SEC("tc")
int check_access_on_stack(struct __sk_buff *skb)
{
	__u32 a;
	__u64 b;

	CHECK(access_checks(&a, &b));
	return 0;
}

static __u32 g32;
__u64 g64 = 3;

SEC("tc")
int check_access_on_globals(struct __sk_buff *skb)
{
	ASSERT(3, __atomic_load_n(&g64, __ATOMIC_ACQUIRE));
	CHECK(access_checks(&g32, &g64));
	return 0;
}

struct pair {
	__u32 flag;
	__u64 value;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pair);
} access_pairs SEC(".maps");

/* Publication: the value is written, then the flag with release; a reader that sees the
 * flag with acquire sees the value too. */
SEC("xdp")
int check_access_on_map_value(struct xdp_md *ctx)
{
	__u32 key = 0;
	struct pair *p = bpf_map_lookup_elem(&access_pairs, &key);

	if (!p)
		return __LINE__;
	CHECK(access_checks(&p->flag, &p->value));
	__atomic_store_n(&p->flag, 0, __ATOMIC_RELAXED);
	p->value = 42;
	__atomic_store_n(&p->flag, 1, __ATOMIC_RELEASE);
	if (__atomic_load_n(&p->flag, __ATOMIC_ACQUIRE))
		ASSERT(42, p->value);
	else
		return __LINE__;
	return 0;
}

char _license[] SEC("license") = "GPL";
