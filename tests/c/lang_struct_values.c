/* Structs passed to and returned from functions by value.  Inlined functions can do both; a
 * BPF-to-BPF call can take a small struct (clang-19 passes it in a register) but cannot return
 * one (clang-19: "aggregate returns are not supported"), so that is not tested.
 * (Structs belong to the next issue.) */
#include "lang.h"

struct point {
	int x;
	int y;
};

static __always_inline struct point make_point(int x, int y)
{
	struct point p = { x, y };
	return p;
}

static __always_inline int sum_by_value(struct point p)
{
	p.x += 100;                              /* the callee's copy */
	return p.x + p.y;
}

static __noinline int sum_by_value_call(struct point p)
{
	return p.x * 10 + p.y;
}

SEC("tc")
int check_inline_struct_values(struct __sk_buff *skb)
{
	struct point m = make_point(opq_i(7), 8);

	ASSERT(15, m.x + m.y);
	ASSERT(7, make_point(7, 9).x);
	ASSERT(115, sum_by_value(m));
	ASSERT(7, m.x);
	return 0;
}

SEC("tc")
int check_struct_argument_call(struct __sk_buff *skb)
{
	struct point m = { opq_i(7), 8 };

	ASSERT(78, sum_by_value_call(m));
	return 0;
}

char _license[] SEC("license") = "GPL";
