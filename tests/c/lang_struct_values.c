/* Structs and unions passed to and returned from functions by value.  Inlined functions take and
 * return any struct.  A BPF-to-BPF call passes a struct as clang-19's BPF calling convention
 * does: up to 8 bytes in one register, up to 16 bytes in two, and never returns one (clang-19:
 * "aggregate returns are not supported"), nor passes a larger one ("pass by value not
 * supported"): tests/diagnostics/struct_*.c hold those. */
#include "lang.h"

struct point {
	int x;
	int y;
};

struct rgb {
	unsigned char r, g, b;                   /* 3 bytes: one register */
};

struct padded {
	long a;
	int b;                                   /* 12 bytes and padding: two registers */
};

struct quad {
	int v[4];                                /* 16 bytes: two registers */
};

struct big {
	long v[5];                               /* 40 bytes: inlined functions only */
};

union word {
	unsigned int u;
	unsigned char bytes[4];
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

static __noinline int rgb_call(struct rgb c)
{
	return c.r * 10000 + c.g * 100 + c.b;
}

static __noinline long padded_call(struct padded p, int scale)
{
	p.b *= scale;                            /* the callee's copy */
	return p.a + p.b;
}

static __noinline int quad_call(struct quad q, struct point p, int k)
{
	return q.v[0] + q.v[1] * 2 + q.v[2] * 3 + q.v[3] * 4 + p.x * k + p.y;
}

static __noinline unsigned int union_call(union word w)
{
	return w.bytes[0] + w.bytes[3];
}

static __always_inline long big_sum(struct big b)
{
	long s = 0;

	for (int i = 0; i < 5; i++)
		s += b.v[i];
	b.v[0] = 0;
	return s;
}

static __always_inline struct big make_big(long first)
{
	struct big b = { { first, first + 1, first + 2, first + 3, first + 4 } };
	return b;
}

static inline struct quad make_quad(int base)     /* inlined by the optimiser, not forced */
{
	struct quad q;

	for (int i = 0; i < 4; i++)
		q.v[i] = base + i;
	return q;
}

SEC("tc")
int check_inline_struct_values(struct __sk_buff *skb)
{
	struct point m = make_point(opq_i(7), 8);

	ASSERT(15, m.x + m.y);
	ASSERT(7, make_point(7, 9).x);
	ASSERT(115, sum_by_value(m));
	ASSERT(7, m.x);
	ASSERT(117, sum_by_value(make_point(opq_i(8), 9)));
	return 0;
}

SEC("tc")
int check_struct_argument_call(struct __sk_buff *skb)
{
	struct point m = { opq_i(7), 8 };

	ASSERT(78, sum_by_value_call(m));
	ASSERT(12, sum_by_value_call(make_point(opq_i(1), 2)));
	ASSERT(7, m.x);
	return 0;
}

SEC("tc")
int check_struct_register_sizes(struct __sk_buff *skb)
{
	struct rgb c = { opq_uc(1), 2, opq_uc(3) };
	struct padded p = { opq_l(1000000000000), opq_i(21) };
	struct quad q = { { opq_i(1), 2, 3, opq_i(4) } };
	union word w = { .u = opq_u(0x11223344) };

	ASSERT(10203, rgb_call(c));
	ASSERT(1000000000063, padded_call(p, 3));
	ASSERT(21, p.b);
	ASSERT(1000000000021, padded_call(p, opq_i(1)));
	ASSERT(30 + 5 * 3 + 6, quad_call(q, make_point(5, 6), 3));
	ASSERT(0x44 + 0x11, union_call(w));
	return 0;
}

SEC("tc")
int check_large_structs_inlined(struct __sk_buff *skb)
{
	struct big b = make_big(opq_l(10));
	struct quad q = make_quad(opq_i(20));

	ASSERT(60, big_sum(b));
	ASSERT(10, b.v[0]);
	ASSERT(60 + 5, big_sum(make_big(opq_l(11))));
	ASSERT(20 + 21 * 2 + 22 * 3 + 23 * 4 + 1 * 2 + 3, quad_call(q, make_point(1, 3), 2));
	return 0;
}

char _license[] SEC("license") = "GPL";
