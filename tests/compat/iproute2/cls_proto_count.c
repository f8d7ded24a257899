/* Per-protocol accounting classifier in the style of iproute2's examples/bpf: legacy
 * bpf_elf_map maps, LD_ABS loads through load_byte/load_half, atomic adds, and a drop
 * list filled from user space.  Attach with
 *   tc filter add dev D ingress bpf da obj cls_proto_count.o sec classifier */
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/in.h>

#include "bpf_api.h"

#define MAX_PROTO	256

struct count {
	__u64 packets;
	__u64 bytes;
};

struct bpf_elf_map __section_maps proto_acct = {
	.type		= BPF_MAP_TYPE_ARRAY,
	.size_key	= sizeof(__u32),
	.size_value	= sizeof(struct count),
	.max_elem	= MAX_PROTO,
	.pinning	= PIN_GLOBAL_NS,
};

struct bpf_elf_map __section_maps proto_drop = {
	.type		= BPF_MAP_TYPE_HASH,
	.size_key	= sizeof(__u32),
	.size_value	= sizeof(__u32),
	.max_elem	= 16,
	.pinning	= PIN_GLOBAL_NS,
};

static __inline__ __u32 l4_proto(struct __sk_buff *skb)
{
	switch (load_half(skb, offsetof(struct ethhdr, h_proto))) {
	case ETH_P_IP:
		return load_byte(skb, ETH_HLEN + offsetof(struct iphdr, protocol));
	case ETH_P_IPV6:
		return load_byte(skb, ETH_HLEN + offsetof(struct ipv6hdr, nexthdr));
	default:
		return IPPROTO_RAW;
	}
}

static __inline__ void account(__u32 proto, __u32 len)
{
	struct count *cnt;

	cnt = map_lookup_elem(&proto_acct, &proto);
	if (likely(cnt)) {
		__sync_fetch_and_add(&cnt->packets, 1);
		__sync_fetch_and_add(&cnt->bytes, len);
	}
}

__section_cls_entry
int cls_entry(struct __sk_buff *skb)
{
	__u32 proto = l4_proto(skb);
	__u32 *verdict;

	account(proto, skb->len);

	verdict = map_lookup_elem(&proto_drop, &proto);
	if (verdict && *verdict)
		return TC_ACT_SHOT;

	return TC_ACT_OK;
}

BPF_LICENSE("GPL");
