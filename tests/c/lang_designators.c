/* Designated initialisers: a field designator may name a member of an anonymous struct or union
 * (C11 6.7.9p7; `struct iphdr h = { .saddr = a }` on Linux 5.19+ headers, where saddr/daddr sit
 * in an anonymous union), and positional initialisers after a designator go on after the
 * designated member, in the innermost object first (C11 6.7.9p17, as clang and GCC do). */
#include "lang.h"

struct s {
	int a;
	struct {
		int b;
		int c;
		int d;
	};
	int e;
	union {
		int u1;
		char u2;
	};
};

struct t {
	struct s in;
	int k;
	int m;
};

/* Constant initialisers (laid out at compile time). */
struct s g_after_anon = { .b = 1, 2 };
struct s g_mixed = { .c = 5, .u2 = 7, .a = 9 };
struct s g_braced = { .a = 1, { 2, 3 }, .d = 4, 6 };
struct t g_nested = { .in.c = 3, 4, 5, 6, 7 };
struct t g_nested_end = { .in.e = 3, 4, 5, 6 };
int g_rows[2][3] = { [0][1] = 1, 2, 3, 4 };

SEC("tc")
int check_constant_initialisers(struct __sk_buff *skb)
{
	ASSERT(0, g_after_anon.a);
	ASSERT(1, g_after_anon.b);
	ASSERT(2, g_after_anon.c);
	ASSERT(0, g_after_anon.d);
	ASSERT(9, g_mixed.a);
	ASSERT(5, g_mixed.c);
	ASSERT(7, g_mixed.u2);
	ASSERT(4, g_braced.d);
	ASSERT(6, g_braced.e);
	ASSERT(3, g_nested.in.c);
	ASSERT(4, g_nested.in.d);
	ASSERT(5, g_nested.in.e);
	ASSERT(6, g_nested.in.u1);
	ASSERT(7, g_nested.k);
	ASSERT(0, g_nested.m);
	ASSERT(3, g_nested_end.in.e);
	ASSERT(4, g_nested_end.in.u1);
	ASSERT(5, g_nested_end.k);
	ASSERT(6, g_nested_end.m);
	ASSERT(1, g_rows[0][1]);
	ASSERT(2, g_rows[0][2]);
	ASSERT(3, g_rows[1][0]);
	ASSERT(4, g_rows[1][1]);
	return 0;
}

SEC("tc")
int check_local_initialisers(struct __sk_buff *skb)
{
	struct s after_anon = { .b = opq_i(1), opq_i(2) };
	struct t nested = { .in.c = opq_i(3), 4, 5, opq_i(6), 7 };
	struct s unioned = { .u2 = opq_i(0x41), .e = 8 };

	ASSERT(0, after_anon.a);
	ASSERT(1, after_anon.b);
	ASSERT(2, after_anon.c);
	ASSERT(4, nested.in.d);
	ASSERT(6, nested.in.u1);
	ASSERT(7, nested.k);
	ASSERT(0x41, unioned.u2);
	ASSERT(8, unioned.e);
	return 0;
}

SEC("tc")
int check_iphdr_addresses(struct __sk_buff *skb)
{
	/* Written as the 5.19+ headers do (`__struct_group` puts them in an anonymous union), so it
	 * is the same with older headers. */
	struct {
		__u8 ttl;
		union {
			struct {
				__be32 saddr;
				__be32 daddr;
			};
			struct {
				__be32 saddr;
				__be32 daddr;
			} addrs;
		};
	} h = { .saddr = bpf_htonl(FRAME_SADDR), .daddr = bpf_htonl(FRAME_DADDR), .ttl = FRAME_TTL };

	struct iphdr ip = { .version = 4, .ihl = 5, .ttl = FRAME_TTL, .saddr = bpf_htonl(FRAME_SADDR),
			    .daddr = bpf_htonl(FRAME_DADDR) };

	ASSERT(bpf_htonl(FRAME_SADDR), h.addrs.saddr);
	ASSERT(bpf_htonl(FRAME_DADDR), h.daddr);
	ASSERT(FRAME_TTL, h.ttl);
	ASSERT(bpf_htonl(FRAME_DADDR), ip.daddr);
	ASSERT(bpf_htonl(FRAME_SADDR), ip.saddr);
	ASSERT(FRAME_TTL, ip.ttl);
	ASSERT(0x45, *(__u8 *)&ip);
	return 0;
}

char _license[] SEC("license") = "GPL";
