/* The layout of layout_types.h's types, from that header (clang-19) or from their BTF (bpfcc,
 * `--btf`): sizes, offsets, enum values and bit-fields read from a known byte pattern, stored
 * in `results` for the test to compare. */
#include <linux/bpf.h>
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#define N 40

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, N);
	__type(key, __u32);
	__type(value, __u64);
} results SEC(".maps");

static const unsigned char pattern[sizeof(struct nested)] = {
	0x9b, 0x2c, 0xf1, 0x37, 0x5d, 0xe8, 0x03, 0xaa, 0x71, 0x4e, 0xc6, 0x19, 0xb2, 0x8f, 0x60, 0xd4,
	0x25, 0xfa, 0x3b, 0x87, 0x0e, 0x92, 0xcd, 0x56, 0xe1, 0x7c, 0x48, 0xb9, 0x13, 0x6a, 0xff, 0x80,
	0x3e, 0xd7, 0x64, 0x0b, 0xa5, 0x58, 0xec, 0x21, 0x9f, 0x46, 0xbb, 0x02, 0x7d, 0xc0, 0x35, 0xe9,
};

static __always_inline void put(__u32 key, __u64 value)
{
	bpf_map_update_elem(&results, &key, &value, BPF_ANY);
}

SEC("tc")
int layout(struct __sk_buff *skb)
{
	struct nested n;
	widget_t w = { .id = 7 };
	enum tiny t = TINY_B;

	__builtin_memcpy(&n, pattern, sizeof(n));
	put(0, sizeof(struct flags));
	put(1, sizeof(struct packed_hdr));
	put(2, sizeof(struct nested));
	put(3, sizeof(widget_t));
	put(4, sizeof(struct message));
	put(5, sizeof(enum tiny));
	put(6, sizeof(enum big_flags));
	put(7, __builtin_offsetof(struct nested, h));
	put(8, __builtin_offsetof(struct nested, c));
	put(9, __builtin_offsetof(struct nested, big));
	put(10, __builtin_offsetof(struct nested, bytes));
	put(11, __builtin_offsetof(struct flags, d));
	put(12, __builtin_offsetof(struct flags, t));
	put(13, __builtin_offsetof(struct packed_hdr, len));
	put(14, __alignof__(struct nested));
	put(15, __alignof__(struct packed_hdr));
	put(16, n.f.a);
	put(17, n.f.b);
	put(18, n.f.c);
	put(19, n.f.d);
	put(20, n.f.e);
	put(21, n.f.f);
	put(22, n.f.t);
	put(23, n.h.len);
	put(24, n.h.port);
	put(25, n.h.flags);
	put(26, n.i);
	put(27, n.c);
	put(28, n.big);
	put(29, BIG_HIGH);
	put(30, NO_COLOUR);
	put(31, t + w.id + (w.callback == 0));
	return 0;
}

char _license[] SEC("license") = "GPL";
