/* DSCP re-marking at the edge, iproute2 style: a legacy hash map translates the DSCP a
 * packet arrives with into the one the network uses, the IPv4 header is rewritten with
 * skb_store_bytes and its checksum fixed with l3_csum_replace, and the class is written to
 * skb->priority for the qdisc. */
#include <linux/ip.h>

#include "bpf_api.h"

#define IP_TOS_OFF	(ETH_HLEN + offsetof(struct iphdr, tos))
#define IP_CSUM_OFF	(ETH_HLEN + offsetof(struct iphdr, check))
#define DSCP_SHIFT	2
#define ECN_MASK	0x03

struct dscp_rule {
	__u8 dscp;		/* rewritten DSCP */
	__u8 prio;		/* skb->priority for the qdisc */
	__u16 pad;
};

struct bpf_elf_map __section_maps dscp_map = {
	.type		= BPF_MAP_TYPE_HASH,
	.size_key	= sizeof(__u8),
	.size_value	= sizeof(struct dscp_rule),
	.max_elem	= 64,
	.pinning	= PIN_GLOBAL_NS,
};

struct bpf_elf_map __section_maps remark_stats = {
	.type		= BPF_MAP_TYPE_PERCPU_ARRAY,
	.size_key	= sizeof(__u32),
	.size_value	= sizeof(__u64),
	.max_elem	= 2,
};

static __inline__ void stat_inc(__u32 idx)
{
	__u64 *cnt = map_lookup_elem(&remark_stats, &idx);

	if (cnt)
		(*cnt)++;
}

static __inline__ int set_tos(struct __sk_buff *skb, __u8 old_tos, __u8 new_tos)
{
	__u16 old = htons(old_tos), new = htons(new_tos);

	if (l3_csum_replace(skb, IP_CSUM_OFF, old, new, sizeof(__u16)) < 0)
		return -1;
	return skb_store_bytes(skb, IP_TOS_OFF, &new_tos, sizeof(new_tos), 0);
}

__section_cls_entry
int cls_entry(struct __sk_buff *skb)
{
	struct dscp_rule *rule;
	__u8 tos, dscp;

	if (skb->protocol != htons(ETH_P_IP))
		return TC_ACT_OK;
	if (skb_load_bytes(skb, IP_TOS_OFF, &tos, sizeof(tos)) < 0)
		return TC_ACT_OK;

	dscp = tos >> DSCP_SHIFT;
	rule = map_lookup_elem(&dscp_map, &dscp);
	if (!rule) {
		stat_inc(0);
		return TC_ACT_OK;
	}

	if (set_tos(skb, tos, rule->dscp << DSCP_SHIFT | (tos & ECN_MASK)) < 0)
		return TC_ACT_SHOT;
	skb->priority = rule->prio;
	stat_inc(1);
	return TC_ACT_OK;
}

BPF_LICENSE("GPL");
