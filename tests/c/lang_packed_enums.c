/* Packed enums: `enum __attribute__((packed)) e {…}` and `enum e {…} __attribute__((packed))`
 * take the smallest integer type that holds their values, as in clang: its size and alignment
 * in sizeof, in struct layout, and its signedness in conversions. */
#include "lang.h"
#include <stddef.h>

enum __attribute__((packed)) small { S1 = 1, S2 = 200 };
enum med { M1 = -1, M2 = 300 } __attribute__((packed));
enum __attribute__((packed)) word { W1 = 70000 };
enum __attribute__((packed)) wide { WD = 0x100000000ULL };
enum __attribute__((packed)) neg { N1 = -128, N2 = 127 };
enum __attribute__((packed)) neg16 { P1 = -129 };
typedef enum __attribute__((packed)) { T1, T2 } tenum;
enum plain { PL = 1 };

struct holder {
	char c;
	enum small a;
	enum med b;
	enum word w;
	enum neg n;
	tenum t;
	enum wide d;
};

SEC("tc")
int check_packed_enum_sizes(struct __sk_buff *skb)
{
	ASSERT(1, sizeof(enum small));
	ASSERT(2, sizeof(enum med));
	ASSERT(4, sizeof(enum word));
	ASSERT(8, sizeof(enum wide));
	ASSERT(1, sizeof(enum neg));
	ASSERT(2, sizeof(enum neg16));
	ASSERT(1, sizeof(tenum));
	ASSERT(4, sizeof(enum plain));
	ASSERT(1, _Alignof(enum small));
	ASSERT(2, _Alignof(enum med));
	ASSERT(8, _Alignof(enum wide));
	ASSERT(1, offsetof(struct holder, a));
	ASSERT(2, offsetof(struct holder, b));
	ASSERT(4, offsetof(struct holder, w));
	ASSERT(8, offsetof(struct holder, n));
	ASSERT(9, offsetof(struct holder, t));
	ASSERT(16, offsetof(struct holder, d));
	ASSERT(24, sizeof(struct holder));
	return 0;
}

SEC("tc")
int check_packed_enum_values(struct __sk_buff *skb)
{
	struct holder h = {};
	enum small s = (enum small)opq_i(S2);
	enum neg n = (enum neg)opq_i(-1);
	enum med m = (enum med)opq_i(0x10001);

	ASSERT(200, s);
	ASSERT(1, s > 127);                 /* unsigned char: no sign */
	ASSERT(-1, n);                      /* signed char */
	ASSERT(1, n < 0);
	ASSERT(1, m);                       /* short: truncated */
	s = (enum small)opq_i(0x1ff);
	ASSERT(0xff, s);
	h.a = S2;
	h.b = M1;
	h.n = N1;
	h.t = T2;
	h.w = W1;
	ASSERT(200, h.a);
	ASSERT(-1, h.b);
	ASSERT(-128, h.n);
	ASSERT(1, h.t);
	ASSERT(70000, h.w);
	ASSERT(0, h.c);
	ASSERT(200, ((unsigned char *)&h)[1]);  /* a: one byte at offset 1 */
	ASSERT(0xffff, *(unsigned short *)((char *)&h + 2));  /* b: two at offset 2 */
	return 0;
}

char _license[] SEC("license") = "GPL";
