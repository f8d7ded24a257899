/* Control flow: if/else, ?:, && and || (short-circuit side effects), the comma operator,
 * blocks and scopes, early returns. */
#include "lang.h"

static __always_inline int sign(long x)
{
	if (x < 0)
		return -1;
	else if (x == 0)
		return 0;
	else
		return 1;
}

static __always_inline int classify(int x)
{
	if (x < 10) {
		if (x < 5)
			return 1;
		return 2;
	}
	if (x < 100)
		return 3;
	return 4;
}

SEC("tc")
int check_if_else(struct __sk_buff *skb)
{
	int x = opq_i(5), r = 0;

	if (x == 5)
		r = 1;
	ASSERT(1, r);
	if (x != 5)
		r = 2;
	else
		r = 3;
	ASSERT(3, r);
	if (x)
		r = 4;
	ASSERT(4, r);
	if (!x)
		r = 5;
	ASSERT(4, r);
	if (0) {
		r = 6;
	} else if (x > 3) {
		r = 7;
	} else {
		r = 8;
	}
	ASSERT(7, r);
	if (1) if (0) r = 9; else r = 10;      /* the else belongs to the inner if */
	ASSERT(10, r);
	if (x > 0)
		;
	else
		r = 11;
	ASSERT(10, r);
	ASSERT(-1, sign(opq_l(-5)));
	ASSERT(0, sign(opq_l(0)));
	ASSERT(1, sign(opq_l(0x100000000)));
	ASSERT(1, classify(opq_i(3)));
	ASSERT(2, classify(opq_i(7)));
	ASSERT(3, classify(opq_i(50)));
	ASSERT(4, classify(opq_i(500)));
	ASSERT(1, skb->len == FRAME_LEN ? 1 : 0);
	if (skb->len != FRAME_LEN)
		return __LINE__;
	return 0;
}

SEC("tc")
int check_conditional(struct __sk_buff *skb)
{
	int x = opq_i(3), y = opq_i(4), n = 0;

	ASSERT(2, 1 ? 2 : 3);
	ASSERT(3, 0 ? 2 : 3);
	ASSERT(4, x > y ? x : y);
	ASSERT(3, x < y ? x : y);
	ASSERT(5, x == 3 ? y == 4 ? 5 : 6 : 7);
	ASSERT(7, x == 4 ? 1 : y == 5 ? 2 : 7);
	ASSERT(1, (x ? n++ : n--) == 0 && n == 1);  /* only the chosen operand is evaluated */
	ASSERT(0, (x - 3 ? n++ : n--) - 1);
	ASSERT(0, n);
	ASSERT(8, sizeof(x ? x : 0L));
	ASSERT(4, sizeof(x ? (char)1 : (short)1));
	{
		int a = 1, b = 2;
		*(x ? &a : &b) = 10;                  /* ?: giving pointers: an lvalue through them */
		ASSERT(10, a);
		ASSERT(2, b);
	}
	return 0;
}

SEC("tc")
int check_logical(struct __sk_buff *skb)
{
	int x = opq_i(3), zero = opq_i(0), n = 0;

	ASSERT(1, 1 && 2);
	ASSERT(0, 1 && 0);
	ASSERT(0, 0 && 1);
	ASSERT(1, 0 || 5);
	ASSERT(0, 0 || 0);
	ASSERT(1, x && x);
	ASSERT(0, x && zero);
	ASSERT(1, zero || x);
	ASSERT(1, !zero && x);
	ASSERT(4, sizeof(x && x));
	ASSERT(1, x && 1 == 1);                   /* == binds tighter than && */
	ASSERT(1, zero || x && 2);                /* && binds tighter than || */
	ASSERT(1, (x || zero) + 0);
	/* Short-circuit: the right operand runs only when needed. */
	ASSERT(0, zero && n++);
	ASSERT(0, n);
	ASSERT(1, x || n++);
	ASSERT(0, n);
	ASSERT(1, x && n++ == 0);
	ASSERT(1, n);
	ASSERT(1, zero || n++ == 1);
	ASSERT(2, n);
	ASSERT(1, x && (n += 10, 1) && n == 12);
	ASSERT(0, zero && (n = 100));
	ASSERT(12, n);
	ASSERT(1, zero || zero || n++ || n++);
	ASSERT(13, n);
	{
		int *p = 0;
		ASSERT(0, p && *p);                   /* never dereferences the null pointer */
		ASSERT(1, !p || *p);
	}
	return 0;
}

SEC("tc")
int check_comma_and_scopes(struct __sk_buff *skb)
{
	int x = 1, y;

	y = (x++, x++, x);
	ASSERT(3, y);
	ASSERT(3, x);
	ASSERT(5, (1, 2, 5));
	{
		int x = 10;                           /* shadows */
		ASSERT(10, x);
		{
			int x = 20;
			x++;
			ASSERT(21, x);
		}
		ASSERT(10, x);
		x = 11;
	}
	ASSERT(3, x);
	{
		int z;
		z = x + 1, x = z * 2;
		ASSERT(8, x);
	}
	{
		int a, b, c;
		a = b = c = opq_i(7);
		ASSERT(21, a + b + c);
		a += b -= c *= 2;                     /* right to left */
		ASSERT(14, c);
		ASSERT(-7, b);
		ASSERT(0, a);
	}
	{
		int e = 0;
		;
		{}
		e++;
		;;
		ASSERT(1, e);
	}
	return 0;
}

static __always_inline int early(int v)
{
	if (v > 2)
		return v * 2;
	v += 100;
	return v;
}

SEC("tc")
int check_return(struct __sk_buff *skb)
{
	ASSERT(6, early(opq_i(3)));
	ASSERT(101, early(opq_i(1)));
	if (opq_i(1))
		return 0;
	return __LINE__;
}

/* Loops with small constant trip counts and no pragma: the optimiser unrolls them itself. */
SEC("tc")
int check_small_loops(struct __sk_buff *skb)
{
	int i, sum = 0, n = 0;

	for (i = 0; i < 4; i++)
		sum += i;
	ASSERT(6, sum);
	i = 0;
	while (i < 5)
		i++;
	ASSERT(5, i);
	do {
		n++;
	} while (n < 3);
	ASSERT(3, n);
	do
		n += 10;
	while (0);
	ASSERT(13, n);
	for (int j = 0; j < 3; j++) {
		if (j == 1)
			continue;
		n += j;
	}
	ASSERT(15, n);
	for (;;) {
		n++;
		if (n > 16)
			break;
	}
	ASSERT(17, n);
	return 0;
}

char _license[] SEC("license") = "GPL";
