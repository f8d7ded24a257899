/* Struct copies (assignment, initialisation from a struct value) copy every byte, in units the
 * objects' alignment allows: words for aligned structs, bytes for members of packed ones (whose
 * scalar members are read and written a byte at a time too, as clang does). */
#include "lang.h"

struct addr {
	__u32 w[4];
};

struct pair {
	struct addr a, b;
};

struct __attribute__((packed)) wire {
	__u8 kind;
	__u32 len;
	struct addr dst;
	__u16 port;
};

static __attribute__((noinline)) void copy_pair(struct pair *p)
{
	p->b = p->a;
}

SEC("tc")
int check_aligned_copies(struct __sk_buff *skb)
{
	struct pair p = { .a = { { opq_u(1), opq_u(2), opq_u(3), opq_u(0xfffffffe) } } };
	struct addr lone = p.a;

	copy_pair(&p);
	ASSERT(1, p.b.w[0]);
	ASSERT(2, p.b.w[1]);
	ASSERT(3, p.b.w[2]);
	ASSERT(0xfffffffe, p.b.w[3]);
	lone.w[1] = opq_u(9);
	p.a = lone;
	ASSERT(9, p.a.w[1]);
	ASSERT(3, p.a.w[2]);
	return 0;
}

static __attribute__((noinline)) void stamp(struct wire *w, const struct addr *a)
{
	w->dst = *a;
	w->len += 4;
	w->port++;
}

SEC("tc")
int check_packed_copies(struct __sk_buff *skb)
{
	struct addr a = { { opq_u(0x11223344), opq_u(5), opq_u(6), opq_u(7) } };
	struct wire w = { .kind = 1, .len = opq_u(0x01020304), .dst = a, .port = 80 };
	struct wire again;
	struct addr back;

	ASSERT(0x11223344, w.dst.w[0]);
	ASSERT(0x01020304, w.len);
	a.w[0] = opq_u(0x55667788);
	stamp(&w, &a);
	ASSERT(0x55667788, w.dst.w[0]);
	ASSERT(0x01020308, w.len);
	ASSERT(81, w.port);
	again = w;
	back = again.dst;
	ASSERT(7, back.w[3]);
	ASSERT(0x08, ((__u8 *)&again)[1]);	/* len at offset 1, little-endian */
	return 0;
}

char _license[] SEC("license") = "GPL";
