/* Functions: static inline, __always_inline, static functions that stay calls (BPF-to-BPF),
 * argument and return conversions, pointers to the caller's stack, forward declarations. */
#include "lang.h"

static int add3(int a, int b, int c);           /* declared first, defined below */
static __attribute__((noinline)) long sum5(long a, long b, long c, long d, long e);

static inline int twice(int x)
{
	return x * 2;
}

static __always_inline int thrice(int x)
{
	return x * 3;
}

static int add3(int a, int b, int c)
{
	return a + b + c;
}

static __attribute__((noinline)) long sum5(long a, long b, long c, long d, long e)
{
	return a + 2 * b + 3 * c + 4 * d + 5 * e;
}

static __noinline int fib(int n)
{
	int a = 0, b = 1, i;
#pragma unroll
	for (i = 0; i < 20; i++) {
		if (i >= n)
			break;
		int t = a + b;
		a = b;
		b = t;
	}
	return a;
}

/* Narrow parameter and return types convert like assignments do. */
static __noinline signed char to_schar(int x)
{
	return x;
}

static __noinline unsigned char to_uchar(long x)
{
	return x;
}

static __noinline short neg_short(short x)
{
	return -x;
}

static __noinline int from_schar(signed char c)
{
	return c;
}

static __noinline unsigned int from_uchar(unsigned char c)
{
	return c;
}

static __noinline _Bool is_nonzero(long x)
{
	return x;
}

static __noinline __u64 widen(__u32 x, __s32 y)
{
	return (__u64)x + (__s64)y;
}

/* Pointers to the caller's stack, through a call. */
static __noinline void swap(int *a, int *b)
{
	int t = *a;
	*a = *b;
	*b = t;
}

static __noinline void store_u64(__u64 *p, __u64 v)
{
	*p = v;
}

static __noinline int deep3(int x)
{
	return x + 3;
}

static __noinline int deep2(int x)
{
	return deep3(x) * 2;
}

static __noinline int deep1(int x)
{
	return deep2(x) + 1;
}

/* Inlined, so more than five parameters are fine. */
static __always_inline long seven(char a, short b, int c, long d, unsigned char e, unsigned short f, unsigned g)
{
	return a + b + c + d + e + f + g;
}

static __noinline long param_changes(long x, int y)
{
	x *= 2;                                  /* parameters are the callee's own copies */
	y = y + 1;
	return x + y;
}

static void nothing(void)
{
}

static __noinline void set_flag(int *flag)
{
	if (!flag)
		return;
	*flag = 1;
}

/* A non-static function: a global BPF subprogram, verified on its own. */
__attribute__((noinline)) int global_add(int a, int b)
{
	return a + b;
}

SEC("tc")
int check_inline(struct __sk_buff *skb)
{
	ASSERT(8, twice(4));
	ASSERT(12, thrice(4));
	ASSERT(6, add3(1, 2, 3));
	ASSERT(24, twice(thrice(4)));
	ASSERT(2 * FRAME_LEN, twice(skb->len));
	ASSERT(-6, thrice(opq_i(-2)));
	nothing();
	ASSERT(-1 - 2 - 3 - 4 + 255 + 65535 + 7, seven(opq_i(-1), -2, -3, -4, opq_i(-1), opq_i(-1), 7));
	{
		long x = opq_l(5);
		int y = 1;
		ASSERT(12, param_changes(x, y));
		ASSERT(5, x);
		ASSERT(1, y);
	}
	return 0;
}

SEC("tc")
int check_calls(struct __sk_buff *skb)
{
	ASSERT(1 + 4 + 9 + 16 + 25, sum5(1, 2, 3, 4, 5));
	ASSERT(-15, sum5(opq_l(-1), -1, -1, -1, -1));
	ASSERT(0x500000000L, sum5(0, 0, 0, 0, opq_l(0x100000000)));
	ASSERT(0, fib(0));
	ASSERT(1, fib(1));
	ASSERT(55, fib(opq_i(10)));
	ASSERT(4181, fib(opq_i(19)));
	ASSERT(27, deep1(opq_i(10)));
	ASSERT(7, global_add(opq_i(3), 4));
	ASSERT(-1, global_add(opq_i(-3), 2));
	return 0;
}

SEC("tc")
int check_conversions(struct __sk_buff *skb)
{
	ASSERT(-1, to_schar(opq_i(255)));
	ASSERT(-128, to_schar(opq_i(0x180)));
	ASSERT(255, to_uchar(opq_l(-1)));
	ASSERT(0x34, to_uchar(opq_l(0x1234)));
	ASSERT(-5, neg_short(opq_s(5)));
	ASSERT(-32768, neg_short(opq_i(32768)));      /* the argument converts to short first */
	ASSERT(-128, from_schar(opq_i(128)));
	ASSERT(-1, from_schar(-1));
	ASSERT(255, from_uchar(opq_i(-1)));
	ASSERT(0x80, from_uchar(opq_l(0x1234567880)));
	ASSERT(1, is_nonzero(opq_l(0x100000000)));
	ASSERT(0, is_nonzero(opq_l(0)));
	ASSERT(1, is_nonzero(opq_l(-1)) == 1);
	ASSERT(0xfffffffeUL, widen(opq_u(0xffffffff), opq_i(-1)));
	ASSERT(0xffffffffffffffffUL, widen(0, opq_i(-1)));
	ASSERT(0x100000000UL, widen(opq_l(-1), 1));
	{
		int r = to_schar(opq_i(200)) + to_uchar(opq_l(200));
		ASSERT(144, r);                           /* -56 + 200 */
	}
	return 0;
}

SEC("tc")
int check_stack_pointers(struct __sk_buff *skb)
{
	int a = opq_i(1), b = opq_i(2), flag = 0;
	__u64 v = 0;

	swap(&a, &b);
	ASSERT(2, a);
	ASSERT(1, b);
	store_u64(&v, 0x1122334455667788);
	ASSERT(0x1122334455667788, v);
	set_flag(&flag);
	ASSERT(1, flag);
	set_flag(0);
	return 0;
}

char _license[] SEC("license") = "GPL";
