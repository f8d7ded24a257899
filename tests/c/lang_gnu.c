/* GNU C and compiler-specific spellings that BPF programs and the kernel headers use:
 * __attribute__ in its various positions, __signed__, __inline__, __volatile__, __restrict,
 * __extension__, asm volatile, statement expressions, typeof, the iproute2 __section() macro. */
#include "lang.h"
#include <stddef.h>

#ifndef __section
#define __section(x) __attribute__((section(x), used))
#endif
#ifndef __inline
#define __inline inline
#endif

/* Attributes before, between and after the declaration specifiers. */
__attribute__((always_inline)) static inline int attr_first(int x)
{
	return x + 1;
}

static __attribute__((always_inline)) inline int attr_middle(int x)
{
	return x + 2;
}

static inline int __attribute__((always_inline)) attr_after_type(int x)
{
	return x + 3;
}

static int attr_on_declaration(int x) __attribute__((noinline));
static int attr_on_declaration(int x)
{
	return x + 4;
}

static __attribute__((__noinline__)) int underscored(int x)
{
	return x + 5;
}

static __inline__ int gnu_inline_kw(int x)
{
	return x + 6;
}

static __inline int gnu_inline_kw2(int x)
{
	return x + 7;
}

static __attribute__((unused)) int never_called(int x)
{
	return x;
}

static __attribute__((always_inline, unused)) inline int two_attrs(int x)
{
	return x + 8;
}

static int __attribute__((noinline)) __attribute__((unused)) two_lists(int x)
{
	return x + 9;
}

SEC("tc")
int check_function_attributes(struct __sk_buff *skb)
{
	ASSERT(2, attr_first(opq_i(1)));
	ASSERT(3, attr_middle(opq_i(1)));
	ASSERT(4, attr_after_type(opq_i(1)));
	ASSERT(5, attr_on_declaration(opq_i(1)));
	ASSERT(6, underscored(opq_i(1)));
	ASSERT(7, gnu_inline_kw(opq_i(1)));
	ASSERT(8, gnu_inline_kw2(opq_i(1)));
	ASSERT(9, two_attrs(opq_i(1)));
	ASSERT(10, two_lists(opq_i(1)));
	return 0;
}

SEC("tc")
int check_keyword_spellings(struct __sk_buff *skb)
{
	__signed__ char sc = -1;
	__signed__ int si = -2;
	signed s = -3;
	__volatile__ int vi = 4;
	volatile int vj = 5;
	int *__restrict rp = &si;
	int *__restrict__ rp2 = &si;
	const int ci = 6;
	__const int ci2 = 7;
	__typeof__(ci) t1 = 8;
	__typeof(si) t2 = 9;
	typeof(sc) t3 = 0x1ff;

	ASSERT(-1, sc);
	ASSERT(1, sizeof(sc));
	ASSERT(-2, si);
	ASSERT(-3, s);
	ASSERT(4, vi);
	ASSERT(5, vj);
	vi = vi + vj;
	ASSERT(9, vi);
	ASSERT(-2, *rp);
	ASSERT(-2, *rp2);
	ASSERT(6, ci);
	ASSERT(7, ci2);
	ASSERT(8, t1);
	ASSERT(9, t2);
	ASSERT(-1, t3);
	ASSERT(1, sizeof(t3));
	ASSERT(8, sizeof(typeof(si + 1L)));
	ASSERT(4, sizeof(__typeof__(*rp)));
	ASSERT(4, __alignof__(int));
	ASSERT(8, __alignof__(long));
	ASSERT(8, _Alignof(void *));
	ASSERT(1, __alignof(char));
	ASSERT(1, sizeof(void));                /* GNU */
	__extension__ long long ll = 1LL << 40;
	ASSERT(0x10000000000, ll);
	ASSERT(3, __extension__ (1 + 2));
	return 0;
}

SEC("tc")
int check_asm_barriers(struct __sk_buff *skb)
{
	int x = opq_i(1);

	asm volatile("" ::: "memory");
	__asm__ __volatile__("" ::: "memory");
	asm("");
	__asm__ volatile("");
	x += 1;
	asm volatile("" ::: "memory");
	ASSERT(2, x);
	return 0;
}

SEC("tc")
int check_statement_expressions(struct __sk_buff *skb)
{
	int n = opq_i(3);

	ASSERT(6, ({ int t = n; t * 2; }));
	ASSERT(3, ({ 1; 2; 3; }));
	ASSERT(5, ({ int a = 2, b = 3; a + b; }));
	ASSERT(4, ({ n++; n; }));
	ASSERT(4, n);
	ASSERT(1, ({ int y = 0; if (n > 3) y = 1; y; }));
	ASSERT(8, sizeof(({ 1L; })));
#define MAX(a, b) ({ __typeof__(a) _a = (a); __typeof__(b) _b = (b); _a > _b ? _a : _b; })
	ASSERT(7, MAX(opq_i(7), 3));
	ASSERT(9, MAX(n, 9));
	{
		int k = 0;
		int m = MAX(k++, -5);             /* each argument evaluated once */
		ASSERT(0, m);
		ASSERT(1, k);
	}
#undef MAX
	return 0;
}

SEC("tc")
int check_builtins(struct __sk_buff *skb)
{
	int x = opq_i(5);

	/* x ?: y, the GNU conditional with the middle operand left out, is in lang_gnu_elvis.c */
	if (__builtin_expect(x == 5, 1))
		x++;
	ASSERT(6, x);
	if (__builtin_expect(!!(x == 0), 0))
		return __LINE__;
	ASSERT(1, __builtin_constant_p(3 + 4));
	ASSERT(0x3412, __builtin_bswap16(0x1234));
	ASSERT(0x78563412, __builtin_bswap32(0x12345678));
	ASSERT(0x0807060504030201UL, __builtin_bswap64(0x0102030405060708UL));
	ASSERT(0x3412, __builtin_bswap16((__u16)opq_u(0x1234)));
	ASSERT(0x78563412, __builtin_bswap32(opq_u(0x12345678)));
	ASSERT(bpf_htons(0x1234), __bpf_constant_htons(0x1234));
	ASSERT(0x3412, bpf_htons(opq_us(0x1234)));
	ASSERT(0x78563412, bpf_htonl(opq_u(0x12345678)));
	ASSERT(76, offsetof(struct __sk_buff, data));
	ASSERT(76, __builtin_offsetof(struct __sk_buff, data));
	ASSERT(9, offsetof(struct iphdr, protocol));
	ASSERT(2, offsetof(struct udphdr, dest));
	ASSERT(12, offsetof(struct ethhdr, h_proto));
	_Static_assert(sizeof(struct ethhdr) == 14, "ethhdr");
	_Static_assert(sizeof(int) == 4, "int");
	return 0;
}

/* iproute2's spelling of the program section; "classifier" is SCHED_CLS for libbpf. */
__section("classifier")
int check_iproute2_section(struct __sk_buff *skb)
{
	ASSERT(FRAME_LEN, skb->len);
	return 0;
}

int __section("xdp") check_section_after_type(struct xdp_md *ctx)
{
	ASSERT(FRAME_LEN, ctx->data_end - ctx->data);
	return 0;
}

__attribute__((section("tc"), used)) int check_raw_attribute_section(struct __sk_buff *skb)
{
	ASSERT(1, skb->len > 0);
	return 0;
}

/* Packed and aligned structs (declared here for their attributes). */
struct __attribute__((packed)) packed_pair {
	char c;
	int i;
};

struct aligned_pair {
	char c;
	int i __attribute__((aligned(8)));
} __attribute__((aligned(16)));

struct __attribute__((__packed__)) vlan_like {
	__be16 tci;
	__be16 proto;
	__u8 x;
};

SEC("tc")
int check_struct_attributes(struct __sk_buff *skb)
{
	struct packed_pair p;
	ASSERT(5, sizeof(struct packed_pair));
	ASSERT(1, offsetof(struct packed_pair, i));
	ASSERT(1, __alignof__(struct packed_pair));
	ASSERT(16, sizeof(struct aligned_pair));
	ASSERT(8, offsetof(struct aligned_pair, i));
	ASSERT(16, __alignof__(struct aligned_pair));
	ASSERT(5, sizeof(struct vlan_like));
	p.c = 1;
	p.i = opq_i(0x12345678);
	ASSERT(0x12345678, p.i);
	ASSERT(1, p.c);
	{
		int unused_local __attribute__((unused)) = 3;
		__attribute__((unused)) int unused2 = 4;
		int __attribute__((aligned(8))) aligned_local = 5;
		ASSERT(5, aligned_local);
		ASSERT(0, (long)&aligned_local % 8);
	}
	return 0;
}

/* const globals: the license, and read-only data the program reads. */
static const int table_size = 4;
const volatile __u32 config_value = 42;
static const char greeting[] = "hello";

SEC("tc")
int check_const_globals(struct __sk_buff *skb)
{
	ASSERT(4, table_size);
	ASSERT(42, config_value);
	ASSERT('h', greeting[0]);
	ASSERT('o', greeting[opq_u(4) & 7]);
	ASSERT(6, sizeof(greeting));
	ASSERT('l', "world"[opq_u(3) & 3]);       /* a string literal indexed at run time: .rodata */
	{
		const char *s = "xyz";
		ASSERT('z', s[opq_u(2) & 3]);
	}
	return 0;
}

char _license[] __section("license") = "GPL";
