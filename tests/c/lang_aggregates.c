/* Structs, unions, arrays, enums, bit-fields, designated initialisers, compound literals.
 * (These belong to the next issue; tested here to see what already works.  Structs passed and
 * returned by value are in lang_struct_values.c.) */
#include "lang.h"
#include <stddef.h>

struct point {
	int x;
	int y;
};

struct rect {
	struct point a, b;
	char tag;
};

struct mixed {
	char c;
	long l;
	short s;
};

union word {
	__u32 u;
	__u16 h[2];
	__u8 b[4];
};

enum color { RED, GREEN = 5, BLUE, NEG = -2 };

struct flags {
	unsigned int a : 1;
	unsigned int b : 3;
	signed int c : 4;
	unsigned int d : 24;
};

static __always_inline int area(const struct rect *r)
{
	return (r->b.x - r->a.x) * (r->b.y - r->a.y);
}

static __noinline int sum_point(struct point *p)
{
	return p->x + p->y;
}

SEC("tc")
int check_structs(struct __sk_buff *skb)
{
	struct point p;
	struct point q = { 1, 2 };
	struct rect r = { { 0, 0 }, { 3, 4 }, 'r' };
	struct point *pp = &p;

	p.x = opq_i(10);
	p.y = 20;
	ASSERT(10, p.x);
	ASSERT(20, pp->y);
	ASSERT(30, sum_point(&p));
	ASSERT(3, q.x + q.y);
	ASSERT(12, area(&r));
	ASSERT('r', r.tag);
	ASSERT(8, sizeof(struct point));
	ASSERT(20, sizeof(struct rect));
	ASSERT(24, sizeof(struct mixed));
	ASSERT(8, offsetof(struct mixed, l));
	ASSERT(16, offsetof(struct mixed, s));
	ASSERT(8, offsetof(struct rect, b));
	ASSERT(4, offsetof(struct rect, b.y) - offsetof(struct rect, b));
	q = p;                                   /* struct assignment */
	ASSERT(10, q.x);
	ASSERT(20, q.y);
	p.x = 0;
	ASSERT(10, q.x);
	r.b = q;
	ASSERT(200, area(&r));
	(&r.a)->x = 5;
	ASSERT(5, r.a.x);
	return 0;
}

SEC("tc")
int check_designated_initializers(struct __sk_buff *skb)
{
	struct rect r = { .b = { .y = 4, .x = 3 }, .tag = 't' };
	struct point pts[3] = { [2] = { 5, 6 }, [0].y = 1 };
	int arr[5] = { [1] = 10, [3] = 30, 40 };
	struct mixed m = { .s = 2 };

	ASSERT(0, r.a.x);
	ASSERT(0, r.a.y);
	ASSERT(3, r.b.x);
	ASSERT(4, r.b.y);
	ASSERT('t', r.tag);
	ASSERT(0, pts[0].x);
	ASSERT(1, pts[0].y);
	ASSERT(0, pts[1].x + pts[1].y);
	ASSERT(11, pts[2].x + pts[2].y);
	ASSERT(0, arr[0]);
	ASSERT(10, arr[1]);
	ASSERT(0, arr[2]);
	ASSERT(30, arr[3]);
	ASSERT(40, arr[4]);
	ASSERT(0, m.c);
	ASSERT(0, m.l);
	ASSERT(2, m.s);
	{
		struct point cl = (struct point){ .y = opq_i(9) };
		ASSERT(0, cl.x);
		ASSERT(9, cl.y);
		ASSERT(3, ((struct point){ 1, 2 }).x + ((struct point){ 1, 2 }).y);
	}
	return 0;
}

SEC("tc")
int check_arrays(struct __sk_buff *skb)
{
	int a[4] = { 1, 2, 3, 4 };
	char s[] = "abc";
	int m[2][3] = { { 1, 2, 3 }, { 4, 5, 6 } };
	__u8 buf[8] = { 0 };
	int *p = a;
	unsigned int i = opq_u(2);

	ASSERT(16, sizeof(a));
	ASSERT(4, sizeof(a) / sizeof(a[0]));
	ASSERT(4, sizeof(s));
	ASSERT('b', s[1]);
	ASSERT(0, s[3]);
	ASSERT(24, sizeof(m));
	ASSERT(12, sizeof(m[0]));
	ASSERT(6, m[1][2]);
	ASSERT(3, *(*(m + 0) + 2));
	ASSERT(3, a[i & 3]);
	if (i < 4)
		a[i] = 30;
	ASSERT(30, a[2]);
	ASSERT(30, p[2]);
	ASSERT(30, *(a + 2));
	ASSERT(2, &a[2] - a);
	ASSERT(1, p == &a[0]);
	{
		int sum = 0;
#pragma unroll
		for (int k = 0; k < 4; k++)
			sum += a[k];
		ASSERT(37, sum);
	}
	buf[7] = 0xff;
	ASSERT(0xff00000000000000UL, *(__u64 *)buf);
	return 0;
}

SEC("tc")
int check_unions_enums(struct __sk_buff *skb)
{
	union word w;
	enum color c = BLUE;

	w.u = opq_u(0x11223344);
	ASSERT(0x44, w.b[0]);
	ASSERT(0x11, w.b[3]);
	ASSERT(0x3344, w.h[0]);
	w.h[1] = 0;
	ASSERT(0x3344, w.u);
	ASSERT(4, sizeof(union word));
	ASSERT(0, RED);
	ASSERT(5, GREEN);
	ASSERT(6, BLUE);
	ASSERT(-2, NEG);
	ASSERT(6, c);
	ASSERT(4, sizeof(enum color));
	c = GREEN;
	ASSERT(1, c == 5);
	{
		union { long l; int i; char c; } u = { .l = -1 };
		ASSERT(-1, u.i);
		ASSERT(8, sizeof(u));
	}
	return 0;
}

SEC("tc")
int check_bitfields(struct __sk_buff *skb)
{
	struct flags f = { 0 };

	ASSERT(4, sizeof(struct flags));
	f.a = 1;
	f.b = opq_u(5);
	f.c = opq_i(-3);
	f.d = 0xabcdef;
	ASSERT(1, f.a);
	ASSERT(5, f.b);
	ASSERT(-3, f.c);
	ASSERT(0xabcdef, f.d);
	f.b = 9;                                  /* truncated to 3 bits */
	ASSERT(1, f.b);
	f.c = 7;
	ASSERT(7, f.c);
	f.c = opq_i(8);                           /* 4-bit signed: -8 */
	ASSERT(-8, f.c);
	f.a++;
	ASSERT(0, f.a);
	ASSERT(0xabcdef, f.d);
	{
		union { struct flags f; __u32 raw; } u = { .raw = 0 };
		u.f.a = 1;
		u.f.b = 7;
		u.f.d = 1;
		ASSERT(0x10f, u.raw);
	}
	return 0;
}

char _license[] SEC("license") = "GPL";
