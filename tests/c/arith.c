/* Integer arithmetic with C semantics, checked by tests/test_arith.py against a Python model
 * of C and against clang-19.
 *
 * The packet starts with the operands, struct operands { __u64 a, b, c; } (little-endian), and
 * every program overwrites the slots after them: slot i is the __u64 at offset 24 + 8 * i and
 * receives (__u64)(expression i).  The operands come from the packet, so nothing can be folded.
 * Each program returns XDP_PASS, or XDP_ABORTED if the packet is shorter than 24 + 8 * 40.
 *
 *   arith_u8 ... arith_s64   every operator at one width (WIDTH_OPS, 22 slots)
 *   arith_udiv               unsigned division and remainder at every width (24 slots)
 *   arith_mixed1/2           promotions and the usual arithmetic conversions (32 slots each)
 *   arith_sdiv, arith_sdiv_mixed
 *                            signed division and remainder.  clang-19 with its default -mcpu=v1
 *                            rejects these: compile clang's copy with -mcpu=v4, or with
 *                            -DARITH_NO_SDIV to leave them out.
 *
 * test_arith.py mirrors every slot, in the same order, with a model of C's semantics.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

typedef __u8 u8;
typedef __s8 s8;
typedef __u16 u16;
typedef __s16 s16;
typedef __u32 u32;
typedef __s32 s32;
typedef __u64 u64;
typedef __s64 s64;

#define OPERANDS_SIZE 24
#define MAX_SLOTS 40

struct operands {
	__u64 a;
	__u64 b;
	__u64 c;
};

#define SET(i, expr) (out[(i)] = (__u64)(expr))

/* Declares in, out, a, b, c and s (the shift count, unsigned int) for a program's body. */
#define PROLOGUE                                                             \
	void *data = (void *)(long)ctx->data;                                \
	void *data_end = (void *)(long)ctx->data_end;                        \
	struct operands *in = data;                                          \
	__u64 *out = (__u64 *)(in + 1);                                      \
	__u64 a, b, c;                                                       \
	unsigned int s;                                                      \
	if (data + OPERANDS_SIZE + 8 * MAX_SLOTS > data_end)                 \
		return XDP_ABORTED;                                          \
	a = in->a;                                                           \
	b = in->b;                                                           \
	c = in->c;                                                           \
	s = (unsigned int)c;                                                 \
	(void)s

/* x and y are the operands converted to T. */
#define WIDTH_PROGRAM(T)                                                     \
	SEC("xdp")                                                           \
	int arith_##T(struct xdp_md *ctx)                                    \
	{                                                                    \
		PROLOGUE;                                                    \
		T x = (T)a, y = (T)b;                                        \
		T r;                                                         \
		SET(0, x + y);                                               \
		SET(1, x - y);                                               \
		SET(2, x * y);                                               \
		SET(3, x << s);                                              \
		SET(4, x >> s);                                              \
		SET(5, x & y);                                               \
		SET(6, x | y);                                               \
		SET(7, x ^ y);                                               \
		SET(8, ~x);                                                  \
		SET(9, -x);                                                  \
		SET(10, x < y);                                              \
		SET(11, x > y);                                              \
		SET(12, x == y);                                             \
		SET(13, x <= y);                                             \
		SET(14, x >= y);                                             \
		SET(15, x != y);                                             \
		SET(16, (T)(x + y));                                         \
		SET(17, (T)(x * y));                                         \
		SET(18, x);                                                  \
		SET(19, !x);                                                 \
		r = x;                                                       \
		r += y;                                                      \
		r ^= (T)s;                                                   \
		r -= 3;                                                      \
		SET(20, r);                                                  \
		SET(21, (x && y) + 2 * (x || !y));                           \
		return XDP_PASS;                                             \
	}

WIDTH_PROGRAM(u8)
WIDTH_PROGRAM(s8)
WIDTH_PROGRAM(u16)
WIDTH_PROGRAM(s16)
WIDTH_PROGRAM(u32)
WIDTH_PROGRAM(s32)
WIDTH_PROGRAM(u64)
WIDTH_PROGRAM(s64)

/* Unsigned division and remainder: u8 and u16 promote to int, but are never negative. */
#define UDIV_OPS(base, T)                                                    \
	do {                                                                 \
		T x = (T)a, y = (T)b;                                        \
		SET((base) + 0, x / y);                                      \
		SET((base) + 1, x % y);                                      \
		SET((base) + 2, (T)(x / y));                                 \
		SET((base) + 3, x / 7);                                      \
		SET((base) + 4, x % 10);                                     \
		SET((base) + 5, x / 16);                                     \
	} while (0)

SEC("xdp")
int arith_udiv(struct xdp_md *ctx)
{
	PROLOGUE;
	UDIV_OPS(0, u8);
	UDIV_OPS(6, u16);
	UDIV_OPS(12, u32);
	UDIV_OPS(18, u64);
	return XDP_PASS;
}

/* Promotions and the usual arithmetic conversions. */
SEC("xdp")
int arith_mixed1(struct xdp_md *ctx)
{
	PROLOGUE;
	SET(0, (unsigned char)a + (signed char)b);
	SET(1, (int)a < (unsigned)b);
	SET(2, (long)(int)a * (unsigned)b);
	SET(3, (unsigned)a * (int)b);
	SET(4, (long)a + (unsigned long)b);
	SET(5, (short)a * (short)b);
	SET(6, (unsigned short)a * (unsigned short)b);
	SET(7, (signed char)a >> 2);
	SET(8, (int)(signed char)a);
	SET(9, (unsigned)(signed char)a);
	SET(10, (long)(unsigned)(int)a);
	SET(11, (unsigned long)(int)a);
	SET(12, (char)a);
	SET(13, (int)a < 0xffffffff);
	SET(14, (int)a > -1);
	SET(15, (unsigned)a > -1);
	SET(16, (long)a < (unsigned)b);
	SET(17, (unsigned)a < (long)b);
	SET(18, (int)a < (unsigned long)b);
	SET(19, (_Bool)a);
	SET(20, (_Bool)(a & 0xff00));
	SET(21, (a & 1) ? (int)b : (unsigned)c);
	SET(22, (a & 1) ? (signed char)b : (long)c);
	{
		unsigned char r = a;
		r += b;
		r <<= 1;
		r = r - 1;
		SET(23, r);
	}
	{
		signed char r = a;
		r *= (signed char)b;
		SET(24, r);
	}
	{
		unsigned char r = a;
		r++;
		r++;
		SET(25, r + (unsigned char)(r - 3));
	}
	SET(26, (unsigned short)(int)a);
	SET(27, (signed char)(unsigned)a);
	SET(28, (long)(unsigned short)a);
	SET(29, 1u << (c & 31));
	SET(30, 1ul << (c & 63));
	SET(31, (int)a >> (c & 31));
	return XDP_PASS;
}

SEC("xdp")
int arith_mixed2(struct xdp_md *ctx)
{
	PROLOGUE;
	SET(0, (long)a >> (c & 63));
	SET(1, (unsigned)a >> (c & 31));
	SET(2, (unsigned char)a << 24);
	SET(3, (unsigned char)a << 8);
	SET(4, -(unsigned)a);
	SET(5, -(unsigned char)a);
	SET(6, ~(unsigned char)a);
	SET(7, ~(unsigned short)a);
	SET(8, (unsigned char)~a);
	SET(9, (signed char)a == (unsigned char)a);
	SET(10, (short)a < (unsigned short)b);
	SET(11, (long)(int)a + (long)(int)b);
	SET(12, (unsigned long)((unsigned)a * (unsigned)b));
	SET(13, (unsigned long)(unsigned)a * b);
	SET(14, (unsigned)a / (unsigned short)b);
	SET(15, (unsigned long)a % (unsigned)b);
	SET(16, (long)a < -2147483648);
	SET(17, (int)a + 0x7fffffff);
	SET(18, sizeof((unsigned char)a + (unsigned char)b));
	SET(19, sizeof(1 ? (char)0 : (long)0));
	SET(20, sizeof(0xffffffff) + 16 * sizeof(2147483648) + 256 * sizeof(1u + 1l));
	SET(21, (unsigned short)a + (unsigned)(short)b);
	SET(22, (long long)(unsigned char)a - (unsigned long long)(signed char)b);
	SET(23, (__s64)(__s32)(__u16)a);
	SET(24, (__u64)(__s16)(__u32)a);
	SET(25, (int)(unsigned char)a * (int)(unsigned char)b * (int)(unsigned char)c);
	SET(26, (unsigned)(int)(short)a >> 16);
	SET(27, (int)(short)a >> 16);
	SET(28, ((unsigned)a ^ (unsigned)b) > ((unsigned)a & (unsigned)b));
	SET(29, (a > b) - (a < b));
	SET(30, ((__s64)a > (__s64)b) - ((__s64)a < (__s64)b));
	SET(31, (__u32)a * 3u + ((__u16)b << 3) - ((__u8)c | 1));
	return XDP_PASS;
}

#ifndef ARITH_NO_SDIV
#define SDIV_OPS(base, T)                                                    \
	do {                                                                 \
		T x = (T)a, y = (T)b;                                        \
		SET((base) + 0, x / y);                                      \
		SET((base) + 1, x % y);                                      \
		SET((base) + 2, (T)(x / y));                                 \
		SET((base) + 3, x / 7);                                      \
		SET((base) + 4, x % -10);                                    \
		SET((base) + 5, x / 16);                                     \
	} while (0)

SEC("xdp")
int arith_sdiv(struct xdp_md *ctx)
{
	PROLOGUE;
	SDIV_OPS(0, s8);
	SDIV_OPS(6, s16);
	SDIV_OPS(12, s32);
	SDIV_OPS(18, s64);
	return XDP_PASS;
}

SEC("xdp")
int arith_sdiv_mixed(struct xdp_md *ctx)
{
	PROLOGUE;
	SET(0, (long)a / (int)b);
	SET(1, (long)a % (int)b);
	SET(2, (int)a / (unsigned)b);           /* unsigned division */
	SET(3, (long)a / (unsigned)b);          /* signed: unsigned int converts to long */
	SET(4, (int)a / (long)b);
	SET(5, (signed char)a / (unsigned char)b);
	SET(6, (short)a % (signed char)b);
	SET(7, (int)a * 1000 / 3);
	SET(8, (long)a / -1000000007L);
	SET(9, (int)a / -1);
	SET(10, (int)a % 1);
	SET(11, (long)a / (long)(signed char)b);
	SET(12, (int)a / (int)b + (int)a % (int)b);
	SET(13, (long)(int)a / (long)(int)c);
	SET(14, ((int)a / (int)b) * (int)b + (int)a % (int)b);
	SET(15, (unsigned long)a / (long)b);    /* unsigned division */
	return XDP_PASS;
}
#endif

char _license[] SEC("license") = "GPL";
