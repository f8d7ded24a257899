/* Loops the kernel runs for the program: bpf_loop() with a static callback (its address passed
 * to a helper; the verifier checks the callback through its BTF), and the open-coded numeric
 * iterator kfuncs bpf_iter_num_new/next/destroy, bare and through libbpf's bpf_for macro
 * (defined here as newer libbpf's bpf_helpers.h defines it: Debian's libbpf 1.1 lacks it),
 * which destroys its iterator with __attribute__((cleanup)), tested on its own at the end.
 */
#include "lang.h"
#include <linux/version.h>

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 4, 0)
/* <linux/bpf.h> defines it since 6.4 */
struct bpf_iter_num {
	__u64 __opaque[1];
} __attribute__((aligned(8)));
#endif

extern int bpf_iter_num_new(struct bpf_iter_num *it, int start, int end) __ksym;
extern int *bpf_iter_num_next(struct bpf_iter_num *it) __ksym;
extern void bpf_iter_num_destroy(struct bpf_iter_num *it) __ksym;

#ifndef bpf_for
/* The iterator is destroyed by the cleanup attribute however the loop ends. */
#define bpf_for(i, start, end) for (						\
	struct bpf_iter_num ___it __attribute__((aligned(8),			\
						 cleanup(bpf_iter_num_destroy))),	\
			    *___p __attribute__((unused)) = (			\
				bpf_iter_num_new(&___it, (start), (end)),	\
				(void)bpf_iter_num_destroy, (void *)0);		\
	({									\
		int *___t = bpf_iter_num_next(&___it);				\
		(___t && ((i) = *___t, (i) >= (start) && (i) < (end)));	\
	});									\
)
#endif

#ifndef bpf_repeat
#define bpf_repeat(N) for (							\
	struct bpf_iter_num ___it __attribute__((aligned(8),			\
						 cleanup(bpf_iter_num_destroy))),	\
			    *___p __attribute__((unused)) = (			\
				bpf_iter_num_new(&___it, 0, (N)),		\
				(void)bpf_iter_num_destroy, (void *)0);		\
	bpf_iter_num_next(&___it);						\
)
#endif

struct sum_ctx {
	__u64 sum;
	__u32 stop_at;
	__u32 calls;
};

static long add_index(__u32 index, void *data)
{
	struct sum_ctx *c = data;

	c->calls++;
	if (index == c->stop_at)
		return 1;                                     /* 1 stops the loop */
	c->sum += index;
	return 0;
}

SEC("tc")
int check_bpf_loop(struct __sk_buff *skb)
{
	struct sum_ctx c = { .sum = 0, .stop_at = 1000 };
	long n;

	n = bpf_loop(100, add_index, &c, 0);
	ASSERT(100, n);
	ASSERT(4950, c.sum);
	ASSERT(100, c.calls);
	c.sum = 0;
	c.calls = 0;
	c.stop_at = opq_u(10);
	n = bpf_loop(opq_u(100), &add_index, &c, 0);          /* the address, spelt out */
	ASSERT(11, n);
	ASSERT(45, c.sum);
	ASSERT(11, c.calls);
	ASSERT(0, bpf_loop(0, add_index, &c, 0));
	ASSERT(1, bpf_loop(1, add_index, &c, opq_u(1)) < 0);  /* flags must be 0 */
	return 0;
}

/* The callback may touch the packet only through helpers; it reads a map here. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u64);
} squares SEC(".maps");

static long store_square(__u32 index, void *data)
{
	__u64 value = (__u64)index * index;

	bpf_map_update_elem(&squares, &index, &value, BPF_ANY);
	*(__u64 *)data += value;
	return 0;
}

SEC("xdp")
int check_bpf_loop_with_map(struct xdp_md *ctx)
{
	__u64 total = 0, *v;
	__u32 key = 7;

	ASSERT(8, bpf_loop(8, store_square, &total, 0));
	ASSERT(140, total);
	v = bpf_map_lookup_elem(&squares, &key);
	if (!v)
		return __LINE__;
	ASSERT(49, *v);
	return 0;
}

/* The verifier follows an iterator loop until its states repeat: what the loop computes goes to
 * global data (a map value, which the verifier does not track), not to a stack variable it would
 * have to follow through every iteration. */
int sum, count;

SEC("tc")
int check_iter_num(struct __sk_buff *skb)
{
	struct bpf_iter_num it;
	int *v, empty, reversed;

	sum = 0;
	bpf_iter_num_new(&it, 2, 7);
	while ((v = bpf_iter_num_next(&it)))
		sum += *v;
	bpf_iter_num_destroy(&it);
	ASSERT(2 + 3 + 4 + 5 + 6, sum);

	count = 0;
	bpf_iter_num_new(&it, 0, opq_i(1000));                /* a bound known at run time */
	for (;;) {
		v = bpf_iter_num_next(&it);
		if (!v)
			break;
		count++;
	}
	bpf_iter_num_destroy(&it);
	ASSERT(1000, count);

	/* every iterator is destroyed before any ASSERT can return: the verifier insists */
	empty = bpf_iter_num_new(&it, 5, 5);
	v = bpf_iter_num_next(&it);
	bpf_iter_num_destroy(&it);
	ASSERT(0, empty);
	ASSERT(0, (long)v);
	reversed = bpf_iter_num_new(&it, 5, 4);               /* start > end: an error */
	bpf_iter_num_destroy(&it);
	ASSERT(1, reversed < 0);
	return 0;
}

SEC("tc")
int check_bpf_for(struct __sk_buff *skb)
{
	int i;

	sum = 0;
	bpf_for(i, 0, 10)
		sum += i;
	ASSERT(45, sum);
	sum = 0;
	bpf_for(i, opq_i(-3), 3) {
		if (i == 0)
			continue;
		if (i == 2)
			break;                                /* the iterator is destroyed all the same */
		sum += i;
	}
	ASSERT(-3 - 2 - 1 + 1, sum);
	count = 0;
	bpf_repeat(5)
		count += 2;
	ASSERT(10, count);
	return 0;
}

SEC("tc")
int check_bpf_for_nested(struct __sk_buff *skb)
{
	int i, j;

	count = 0;
	bpf_for(i, 0, 4)
		bpf_for(j, i, 4)
			count++;
	ASSERT(10, count);
	return 0;
}

SEC("xdp")
int check_bpf_for_packet(struct xdp_md *ctx)
{
	unsigned char *data = (void *)(long)ctx->data;
	unsigned char *data_end = (void *)(long)ctx->data_end;
	int i;

	sum = 0;
	bpf_for(i, 42, 50) {                                  /* packet bytes, each access checked */
		unsigned char *p;

		/* the verifier does not connect the macro's range check (made on a copy of i)
		 * with i: bound the offset again, where the optimiser cannot drop it */
		barrier_var(i);
		p = data + (i & 0xff);

		if (p + 1 > data_end)
			break;
		sum += *p;
	}
	ASSERT(0 + 1 + 2 + 3 + 4 + 5 + 6 + 7, sum);
	return 0;
}

static __always_inline int first_multiple(__u32 of, int below)
{
	int i;

	bpf_for(i, 1, below)
		if ((__u32)i % of == 0)
			return i;                             /* return from inside: destroyed too */
	return -1;
}

SEC("tc")
int check_bpf_for_return(struct __sk_buff *skb)
{
	ASSERT(7, first_multiple(opq_u(7), 100));
	ASSERT(-1, first_multiple(opq_u(70), 50));
	return 0;
}

/* __attribute__((cleanup(f))) itself: f(&var) where the variable's scope ends, however it ends,
 * the last declared first.  `trail` records the order: each cleanup appends a digit. */
__u64 trail;

static __always_inline void note(int *v)
{
	trail = trail * 10 + *v;
}

static __always_inline int leave_early(int n)
{
	int a __attribute__((cleanup(note))) = 1;

	if (n > 0) {
		int b __attribute__((cleanup(note))) = 2;

		return n;                                     /* b, then a */
	}
	return 0;                                             /* a */
}

SEC("tc")
int check_cleanup_attribute(struct __sk_buff *skb)
{
	trail = 0;
	{
		int x __attribute__((cleanup(note))) = 1;
		int y __attribute__((cleanup(note))) = 2;
	}
	ASSERT(21, trail);
	trail = 0;
	for (int i = 0; i < 3; i++) {
		int z __attribute__((cleanup(note))) = i + 1;

		if (opq_i(i) == 1)
			continue;
		if (opq_i(i) == 2)
			break;
	}
	ASSERT(123, trail);
	trail = 0;
	ASSERT(5, leave_early(opq_i(5)));
	ASSERT(21, trail);
	trail = 0;
	ASSERT(0, leave_early(opq_i(-1)));
	ASSERT(1, trail);
	return 0;
}

char _license[] SEC("license") = "GPL";
