/* A classifier that dispatches on the L4 protocol through tail calls, the way iproute2's
 * examples/bpf/bpf_tailcall.c sets them up: the program array is a legacy map with an id,
 * and every tail-call target sits in a section named "<map id>/<index>", which the loader
 * stores into that map. */
#include <linux/ip.h>
#include <linux/in.h>
#include <linux/tcp.h>
#include <linux/udp.h>

#include "bpf_api.h"

#define JMP_MAP_ID	1

#define SLOT_TCP	0
#define SLOT_UDP	1
#define SLOT_ICMP	2
#define MAX_SLOTS	4

#define MARK_ICMP	0xcafe
#define TELNET_PORT	23

struct bpf_elf_map __section_maps jmp_tc = {
	.type		= BPF_MAP_TYPE_PROG_ARRAY,
	.id		= JMP_MAP_ID,
	.size_key	= sizeof(__u32),
	.size_value	= sizeof(__u32),
	.max_elem	= MAX_SLOTS,
	.pinning	= PIN_OBJECT_NS,
};

struct bpf_elf_map __section_maps tail_hits = {
	.type		= BPF_MAP_TYPE_ARRAY,
	.size_key	= sizeof(__u32),
	.size_value	= sizeof(__u64),
	.max_elem	= MAX_SLOTS,
};

static __inline__ void hit(__u32 slot)
{
	__u64 *cnt = map_lookup_elem(&tail_hits, &slot);

	if (cnt)
		__sync_fetch_and_add(cnt, 1);
}

static __inline__ __u32 l4_offset(struct __sk_buff *skb)
{
	return ETH_HLEN + ((load_byte(skb, ETH_HLEN) & 0x0f) << 2);
}

__section_tail(JMP_MAP_ID, SLOT_TCP)
int cls_tcp(struct __sk_buff *skb)
{
	__u32 dport = load_half(skb, l4_offset(skb) + offsetof(struct tcphdr, dest));

	hit(SLOT_TCP);
	return dport == TELNET_PORT ? TC_ACT_SHOT : TC_ACT_OK;
}

__section_tail(JMP_MAP_ID, SLOT_UDP)
int cls_udp(struct __sk_buff *skb)
{
	hit(SLOT_UDP);
	skb->priority = load_half(skb, l4_offset(skb) + offsetof(struct udphdr, dest));
	return TC_ACT_OK;
}

__section_tail(JMP_MAP_ID, SLOT_ICMP)
int cls_icmp(struct __sk_buff *skb)
{
	hit(SLOT_ICMP);
	skb->mark = MARK_ICMP;
	return TC_ACT_OK;
}

__section_cls_entry
int cls_entry(struct __sk_buff *skb)
{
	if (load_half(skb, offsetof(struct ethhdr, h_proto)) != ETH_P_IP)
		return TC_ACT_OK;

	switch (load_byte(skb, ETH_HLEN + offsetof(struct iphdr, protocol))) {
	case IPPROTO_TCP:
		tail_call(skb, &jmp_tc, SLOT_TCP);
		break;
	case IPPROTO_UDP:
		tail_call(skb, &jmp_tc, SLOT_UDP);
		break;
	case IPPROTO_ICMP:
		tail_call(skb, &jmp_tc, SLOT_ICMP);
		break;
	}

	/* No program in the slot, or a protocol without one. */
	return TC_ACT_UNSPEC;
}

BPF_LICENSE("GPL");
