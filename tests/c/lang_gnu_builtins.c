/* GNU builtins and extensions beyond the ones lang_gnu.c covers: bit-counting builtins,
 * __builtin_choose_expr, __builtin_types_compatible_p, __builtin_offsetof with nested
 * designators, __auto_type, __label__. */
#include "lang.h"

SEC("tc")
int check_bit_builtins(struct __sk_buff *skb)
{
	ASSERT(31, __builtin_clz(opq_u(1)));
	ASSERT(3, __builtin_ctz(opq_u(8)));
	ASSERT(2, __builtin_popcount(opq_u(5)));
	ASSERT(63, __builtin_clzll(opq_ull(1)));
	ASSERT(40, __builtin_ctzll(opq_ull(1ULL << 40)));
	ASSERT(64, __builtin_popcountll(opq_ull(-1)));
	ASSERT(2, __builtin_ffs(opq_i(2)));
	ASSERT(0, __builtin_ffs(opq_i(0)));
	ASSERT(4, __builtin_popcountl(opq_ul(0xf)));
	return 0;
}

#define same_type(a, b) __builtin_types_compatible_p(__typeof__(a), __typeof__(b))

SEC("tc")
int check_type_builtins(struct __sk_buff *skb)
{
	int i = 0;
	long l = 0;

	ASSERT(1, __builtin_types_compatible_p(int, int));
	ASSERT(0, __builtin_types_compatible_p(int, long));
	ASSERT(1, __builtin_types_compatible_p(const int, int));   /* qualifiers are ignored */
	ASSERT(1, __builtin_types_compatible_p(__u32, unsigned int));   /* typedefs are the same type */
	ASSERT(0, __builtin_types_compatible_p(int *, const int *));
	ASSERT(1, __builtin_types_compatible_p(struct iphdr, struct iphdr));
	ASSERT(0, __builtin_types_compatible_p(char, signed char));   /* three character types */
	ASSERT(0, __builtin_types_compatible_p(char, unsigned char));
	ASSERT(1, __builtin_types_compatible_p(signed char, __s8));
	ASSERT(0, __builtin_types_compatible_p(char *, signed char *));
	ASSERT(1, same_type(i, 1));
	ASSERT(0, same_type(i, l));
	ASSERT(4, sizeof(__builtin_choose_expr(1, i, l)));
	ASSERT(8, sizeof(__builtin_choose_expr(0, i, l)));
	ASSERT(7, __builtin_choose_expr(same_type(i, int), 7, 8));
	return 0;
}

struct inner {
	char c;
	int v[3];
};

struct outer {
	long l;
	struct inner in[2];
	struct {
		short s;
		union {
			int u;
			char bytes[4];
		};
	} nested;
};

SEC("tc")
int check_offsetof_designators(struct __sk_buff *skb)
{
	ASSERT(8, __builtin_offsetof(struct outer, in));
	ASSERT(8, __builtin_offsetof(struct outer, in[0].c));
	ASSERT(36, __builtin_offsetof(struct outer, in[1].v[2]));
	ASSERT(40, __builtin_offsetof(struct outer, nested.s));
	ASSERT(47, __builtin_offsetof(struct outer, nested.bytes[3]));   /* through an anonymous union */
	ASSERT(16, __builtin_offsetof(struct iphdr, daddr));
	return 0;
}

/* A local label keeps each expansion's `done:` apart, as the kernel's headers rely on. */
#define FIRST_NONZERO(a, b) ({ __label__ done; long _r = (a); if (_r) goto done; _r = (b); done: _r; })

SEC("tc")
int check_auto_type_and_local_labels(struct __sk_buff *skb)
{
	__auto_type a = opq_l(5);
	__auto_type b = (unsigned char)300;
	const __auto_type c = opq_s(-2);
	char buf[4] = { 1, 2, 3, 4 };
	__auto_type p = buf;   /* arrays decay, as for any initialiser */
	int r = 0;

	ASSERT(8, sizeof(a));
	ASSERT(1, sizeof(b));
	ASSERT(44, b);
	ASSERT(2, sizeof(c));
	ASSERT(-2, c);
	ASSERT(8, sizeof(p));
	ASSERT(3, p[2]);
	ASSERT(1, __builtin_types_compatible_p(__typeof__(b), unsigned char));
	{
		__label__ out;
		r = 1;
		goto out;
		r = 2;
out:
		ASSERT(1, r);
	}
	ASSERT(5, FIRST_NONZERO(opq_l(5), 7));
	ASSERT(7, FIRST_NONZERO(opq_l(0), 7));
	ASSERT(12, FIRST_NONZERO(opq_l(0), 7) + FIRST_NONZERO(a, 9));
	return 0;
}

char _license[] SEC("license") = "GPL";
