/* __builtin_memcpy, __builtin_memset, __builtin_memmove and __builtin_memcmp with constant sizes
 * (BPF has no library: each is expanded into loads and stores), and the C library's spellings,
 * which are the same builtins when the program declares them without defining them.
 * memcmp's result is only defined by its sign (clang returns -1/0/1); the checks say so.
 */
#include "lang.h"

void *memcpy(void *dst, const void *src, unsigned long n);
void *memset(void *dst, int c, unsigned long n);
void *memmove(void *dst, const void *src, unsigned long n);
int memcmp(const void *a, const void *b, unsigned long n);

#define SIGN(x) (((x) > 0) - ((x) < 0))

/* Sum of bytes weighted by position: any byte out of place changes it.  (The loops unroll
 * once inlining makes n a constant.) */
static __always_inline __u32 digest(const unsigned char *p, int n)
{
	__u32 h = 0;

#pragma unroll
	for (int i = 0; i < n; i++)
		h = h * 31 + p[i];
	return h;
}

static __always_inline void fill(unsigned char *p, int n, int first)
{
#pragma unroll
	for (int i = 0; i < n; i++)
		p[i] = opq_i(first + i);
}

SEC("tc")
int check_memcpy(struct __sk_buff *skb)
{
	unsigned char src[64], dst[64];
	__u64 words[4], copy[4];

	fill(src, 64, 1);
	__builtin_memset(dst, 0, sizeof(dst));
	__builtin_memcpy(dst, src, 1);
	ASSERT(1, dst[0]);
	ASSERT(0, dst[1]);
	__builtin_memcpy(dst, src, 3);
	ASSERT(3, dst[2]);
	ASSERT(0, dst[3]);
	__builtin_memcpy(dst + 5, src, 7);                    /* odd offset, odd size */
	ASSERT(0, dst[4]);
	ASSERT(1, dst[5]);
	ASSERT(7, dst[11]);
	ASSERT(0, dst[12]);
	__builtin_memcpy(dst, src + 1, 15);
	ASSERT(2, dst[0]);
	ASSERT(16, dst[14]);
	ASSERT(0, dst[15]);
	__builtin_memcpy(dst, src, 64);
	ASSERT(digest(src, 64), digest(dst, 64));
	ASSERT(64, dst[63]);
	words[0] = opq_ul(0x0102030405060708UL);
	words[1] = ~words[0];
	words[2] = 3;
	words[3] = opq_ul(-1UL);
	__builtin_memcpy(copy, words, sizeof(words));
	ASSERT(0x0102030405060708UL, copy[0]);
	ASSERT(~0x0102030405060708UL, copy[1]);
	ASSERT(-1UL, copy[3]);
	memcpy(dst, words, 8);                                /* the library spelling */
	ASSERT(8, dst[0]);
	ASSERT(1, dst[7]);
	ASSERT(dst, memcpy(dst, src, 2));                     /* returns its destination */
	return 0;
}

/* Copies between the packet, the stack and a map value. */
struct record {
	__u8 mac[6];
	__u16 proto;
	__u8 payload[13];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct record);
} records SEC(".maps");

SEC("xdp")
int check_memcpy_packet_and_map(struct xdp_md *ctx)
{
	unsigned char *data = (void *)(long)ctx->data;
	unsigned char *data_end = (void *)(long)ctx->data_end;
	struct record local, *r;
	__u32 key = 0;

	if (data + FRAME_LEN > data_end)
		return __LINE__;
	__builtin_memcpy(local.mac, data + 6, 6);             /* source MAC 02:00:00:00:00:0a */
	__builtin_memcpy(&local.proto, data + 12, 2);
	__builtin_memcpy(local.payload, data + 42 + 1, sizeof(local.payload));
	ASSERT(0x02, local.mac[0]);
	ASSERT(0x0a, local.mac[5]);
	ASSERT(bpf_htons(ETH_P_IP), local.proto);
	ASSERT(1, local.payload[0]);
	ASSERT(13, local.payload[12]);
	r = bpf_map_lookup_elem(&records, &key);
	if (!r)
		return __LINE__;
	__builtin_memcpy(r, &local, sizeof(local));
	ASSERT(13, r->payload[12]);
	__builtin_memset(&local, 0, sizeof(local));
	__builtin_memcpy(&local, r, sizeof(local));
	ASSERT(0x0a, local.mac[5]);
	__builtin_memcpy(data + 42, r->payload, 4);           /* into the packet */
	ASSERT(1, data[42]);
	ASSERT(4, data[45]);
	__builtin_memcpy(data + 42, "\0\1\2\3", 4);           /* and back, from .rodata */
	ASSERT(0, data[42]);
	ASSERT(3, data[45]);
	return 0;
}

SEC("tc")
int check_memset(struct __sk_buff *skb)
{
	unsigned char buf[48];
	__u32 words[5];
	int c = opq_i(0x5a);

	__builtin_memset(buf, 0xff, sizeof(buf));
	ASSERT(0xff, buf[0]);
	ASSERT(0xff, buf[47]);
	__builtin_memset(buf + 3, 0, 9);
	ASSERT(0xff, buf[2]);
	ASSERT(0, buf[3]);
	ASSERT(0, buf[11]);
	ASSERT(0xff, buf[12]);
	__builtin_memset(buf, c, 5);                          /* a byte known only at run time */
	ASSERT(0x5a, buf[0]);
	ASSERT(0x5a, buf[4]);
	ASSERT(0, buf[5]);
	__builtin_memset(buf, 0x1234, 2);                     /* only the low byte counts */
	ASSERT(0x34, buf[1]);
	__builtin_memset(words, 0x01, sizeof(words));
	ASSERT(0x01010101, words[0]);
	ASSERT(0x01010101, words[4]);
	memset(words, -1, 8);
	ASSERT(0xffffffff, words[1]);
	ASSERT(0x01010101, words[2]);
	ASSERT(words, memset(words, 0, sizeof(words)));
	ASSERT(0, words[4]);
	return 0;
}

/* memmove with source and destination overlapping, in both directions. */
SEC("tc")
int check_memmove(struct __sk_buff *skb)
{
	unsigned char buf[40];
	__u32 key = 0;
	struct record *r;

	fill(buf, 40, 0);
	__builtin_memmove(buf + 1, buf, 16);                  /* forwards: each byte moves up one */
	ASSERT(0, buf[0]);
	ASSERT(0, buf[1]);
	ASSERT(1, buf[2]);
	ASSERT(15, buf[16]);
	ASSERT(17, buf[17]);
	fill(buf, 40, 0);
	__builtin_memmove(buf, buf + 3, 20);                  /* backwards */
	ASSERT(3, buf[0]);
	ASSERT(22, buf[19]);
	ASSERT(20, buf[20]);
	fill(buf, 40, 0);
	__builtin_memmove(buf + 8, buf, 32);                  /* word-sized steps, overlapping */
	ASSERT(0, buf[8]);
	ASSERT(31, buf[39]);
	ASSERT(7, buf[7]);
	fill(buf, 40, 0);
	memmove(buf, buf + 8, 32);
	ASSERT(8, buf[0]);
	ASSERT(39, buf[31]);
	ASSERT(32, buf[32]);
	ASSERT(buf + 2, memmove(buf + 2, buf, 1));
	r = bpf_map_lookup_elem(&records, &key);              /* in a map value */
	if (!r)
		return __LINE__;
	fill(r->payload, sizeof(r->payload), 10);
	__builtin_memmove(r->payload + 2, r->payload, 11);
	ASSERT(10, r->payload[2]);
	ASSERT(20, r->payload[12]);
	__builtin_memmove(r->payload, r->payload + 2, 11);
	ASSERT(10, r->payload[0]);
	ASSERT(20, r->payload[10]);
	return 0;
}

SEC("tc")
int check_memcmp(struct __sk_buff *skb)
{
	unsigned char a[40], b[40];

	fill(a, 40, 1);
	fill(b, 40, 1);
	ASSERT(0, __builtin_memcmp(a, b, 40));
	ASSERT(0, __builtin_memcmp(a, b, 1));
	ASSERT(0, __builtin_memcmp(a + 3, b + 3, 13));
	b[39] = 0;                                            /* the last byte differs */
	ASSERT(1, SIGN(__builtin_memcmp(a, b, 40)));
	ASSERT(-1, SIGN(__builtin_memcmp(b, a, 40)));
	ASSERT(0, __builtin_memcmp(a, b, 39));
	b[0] = 0x80;                                          /* bytes compare as unsigned char */
	ASSERT(-1, SIGN(__builtin_memcmp(a, b, 8)));
	ASSERT(1, SIGN(__builtin_memcmp(b, a, 8)));
	ASSERT(1, SIGN(__builtin_memcmp(b, a, 1)));
	b[0] = 1;
	b[5] = 7;                                             /* a[5] == 6: the first difference decides */
	b[6] = 0;
	ASSERT(-1, SIGN(__builtin_memcmp(a, b, 8)));
	ASSERT(-1, SIGN(__builtin_memcmp(a, b, 7)));
	ASSERT(0, __builtin_memcmp(a, b, 5));
	ASSERT(1, __builtin_memcmp(a, b, 6) != 0);
	ASSERT(1, memcmp(b, a, 3 + 3) > 0);
	ASSERT(1, !__builtin_memcmp("abc", a, 0));
	{
		char s[4] = "abc";
		ASSERT(0, __builtin_memcmp(s, "abc", 4));
		ASSERT(-1, SIGN(__builtin_memcmp(s, "abd", 3)));
		ASSERT(1, SIGN(__builtin_memcmp(s, "abb", 3)));
	}
	return 0;
}

/* memcmp on packet bytes against a constant: a typical header match. */
SEC("xdp")
int check_memcmp_packet(struct xdp_md *ctx)
{
	unsigned char *data = (void *)(long)ctx->data;
	unsigned char *data_end = (void *)(long)ctx->data_end;
	static const unsigned char dst_mac[6] = { 0x02, 0, 0, 0, 0, 0x0b };
	static const unsigned char ip_udp[2] = { 0x45, 0x00 };

	if (data + 42 > data_end)
		return __LINE__;
	ASSERT(0, __builtin_memcmp(data, dst_mac, 6));
	ASSERT(1, __builtin_memcmp(data + 6, dst_mac, 6) != 0);
	ASSERT(0, __builtin_memcmp(data + ETH_HLEN, ip_udp, 2));
	return 0;
}

char _license[] SEC("license") = "GPL";
