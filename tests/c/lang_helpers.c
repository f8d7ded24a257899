/* BPF helper calls through libbpf's declarations (static T (*name)(...) = (void *) N) and the
 * newer `* const` spelling, with arguments of every kind: ctx, stack buffers, integers. */
#include "lang.h"

/* Declared here too, in the spellings of newer libbpf and of old iproute2 programs. */
static __u64 (* const my_ktime_get_ns)(void) = (void *) 5;
static __u32 (* const my_get_prandom_u32)(void) = (void *) 7;
static long (* const my_skb_load_bytes)(const void *skb, __u32 offset, void *to, __u32 len) = (void *) 26;
static void *(*old_style_map_lookup)(void *map, const void *key) = (void *) BPF_FUNC_map_lookup_elem;
static int (*old_style_get_smp_processor_id)(void) = (void *) BPF_FUNC_get_smp_processor_id;

SEC("tc")
int check_time_and_random(struct __sk_buff *skb)
{
	__u64 t1 = bpf_ktime_get_ns();
	__u64 t2 = my_ktime_get_ns();
	__u32 r[4];
	int i, same = 0;

	ASSERT(1, t1 > 0);
	ASSERT(1, t2 >= t1);
	r[0] = bpf_get_prandom_u32();
	r[1] = bpf_get_prandom_u32();
	r[2] = my_get_prandom_u32();
	r[3] = my_get_prandom_u32();
#pragma unroll
	for (i = 1; i < 4; i++)
		same += r[i] == r[0];
	ASSERT(1, same < 3);                           /* four equal 32-bit draws: 2^-96 */
	ASSERT(1, bpf_get_smp_processor_id() < 4096);
	ASSERT(1, old_style_get_smp_processor_id() >= 0);
	return 0;
}

SEC("tc")
int check_skb_load_bytes(struct __sk_buff *skb)
{
	__u16 proto = 0;
	__u32 word = 0;
	__u8 byte = 0;
	__u64 payload = 0;
	long err;

	ASSERT(0, bpf_skb_load_bytes(skb, 12, &proto, sizeof(proto)));
	ASSERT(bpf_htons(ETH_P_IP), proto);
	ASSERT(0, my_skb_load_bytes(skb, ETH_HLEN + 12, &word, 4));
	ASSERT(bpf_htonl(FRAME_SADDR), word);
	ASSERT(0, bpf_skb_load_bytes(skb, ETH_HLEN + 8, &byte, 1));
	ASSERT(FRAME_TTL, byte);
	ASSERT(0, bpf_skb_load_bytes(skb, 42, &payload, sizeof(payload)));
	ASSERT(0x0706050403020100UL, payload);
	/* Out of range: the helper fails, and says so. */
	err = bpf_skb_load_bytes(skb, FRAME_LEN - 2, &word, 4);
	ASSERT(1, err < 0);
	err = bpf_skb_load_bytes(skb, opq_u(FRAME_LEN - 4), &word, 4);
	ASSERT(0, err);
	ASSERT(0x3f3e3d3c, word);
	return 0;
}

SEC("tc")
int check_skb_store_bytes(struct __sk_buff *skb)
{
	__u8 ttl = 7, back = 0;

	ASSERT(0, bpf_skb_store_bytes(skb, ETH_HLEN + 8, &ttl, 1, 0));
	ASSERT(0, bpf_skb_load_bytes(skb, ETH_HLEN + 8, &back, 1));
	ASSERT(7, back);
	ttl = FRAME_TTL;
	ASSERT(0, bpf_skb_store_bytes(skb, ETH_HLEN + 8, &ttl, 1, 0));
	return 0;
}

SEC("xdp")
int check_xdp_adjust_head(struct xdp_md *ctx)
{
	void *data, *data_end;

	ASSERT(0, bpf_xdp_adjust_head(ctx, ETH_HLEN));   /* drop the Ethernet header */
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	ASSERT(FRAME_LEN - ETH_HLEN, data_end - data);
	if (data + 1 > data_end)
		return __LINE__;
	ASSERT(0x45, *(__u8 *)data);
	ASSERT(0, bpf_xdp_adjust_head(ctx, -ETH_HLEN));  /* and put it back */
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	ASSERT(FRAME_LEN, data_end - data);
	ASSERT(1, bpf_xdp_adjust_head(ctx, 100000) < 0);
	return 0;
}

SEC("xdp")
int check_xdp_adjust_tail(struct xdp_md *ctx)
{
	void *data, *data_end;

	ASSERT(0, bpf_xdp_adjust_tail(ctx, -4));
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	ASSERT(FRAME_LEN - 4, data_end - data);
	ASSERT(0, bpf_xdp_adjust_tail(ctx, opq_i(4)));
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	ASSERT(FRAME_LEN, data_end - data);
	return 0;
}

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} lang_counter SEC(".maps");

SEC("tc")
int check_map_helpers(struct __sk_buff *skb)
{
	__u32 key = 0;
	__u64 *value = bpf_map_lookup_elem(&lang_counter, &key);
	__u64 *again;

	if (!value)
		return __LINE__;
	*value = 41;
	again = old_style_map_lookup(&lang_counter, &key);
	if (!again)
		return __LINE__;
	ASSERT(41, *again);
	__sync_fetch_and_add(again, 1);
	ASSERT(42, *value);
	key = 1;
	ASSERT(0, (long)bpf_map_lookup_elem(&lang_counter, &key));
	return 0;
}

char _license[] SEC("license") = "GPL";
