/* Per-tenant port policies kept in an array-of-maps, as iproute2's examples/bpf/bpf_map_in_map.c
 * declares them: the outer map names its inner map's id in inner_id, and the inner map is
 * placed at slot inner_idx of the outer one by the loader. */
#include <linux/ip.h>
#include <linux/in.h>
#include <linux/udp.h>

#include "bpf_api.h"

#define MAP_INNER_ID	42
#define NR_PORTS	64
#define NR_TENANTS	4

#define POLICY_DROP	1
#define POLICY_MARK	2

struct bpf_elf_map __section_maps map_inner = {
	.type		= BPF_MAP_TYPE_ARRAY,
	.size_key	= sizeof(__u32),
	.size_value	= sizeof(__u32),
	.id		= MAP_INNER_ID,
	.inner_idx	= 0,
	.pinning	= PIN_GLOBAL_NS,
	.max_elem	= NR_PORTS,
};

struct bpf_elf_map __section_maps map_outer = {
	.type		= BPF_MAP_TYPE_ARRAY_OF_MAPS,
	.size_key	= sizeof(__u32),
	.size_value	= sizeof(__u32),
	.inner_id	= MAP_INNER_ID,
	.pinning	= PIN_GLOBAL_NS,
	.max_elem	= NR_TENANTS,
};

__section_cls_entry
int cls_entry(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = data + sizeof(*eth);
	struct udphdr *udp;
	__u32 tenant, port, *policy;
	void *inner;

	if ((void *)(ip + 1) > data_end || eth->h_proto != htons(ETH_P_IP))
		return TC_ACT_OK;
	if (ip->protocol != IPPROTO_UDP || ip->ihl != 5)
		return TC_ACT_OK;
	udp = (void *)(ip + 1);
	if ((void *)(udp + 1) > data_end)
		return TC_ACT_OK;

	/* The tenant is the low bits of the destination address. */
	tenant = ntohl(ip->daddr) % NR_TENANTS;
	inner = map_lookup_elem(&map_outer, &tenant);
	if (!inner)
		return TC_ACT_OK;

	port = ntohs(udp->dest) % NR_PORTS;
	policy = map_lookup_elem(inner, &port);
	if (!policy)
		return TC_ACT_OK;

	if (*policy & POLICY_MARK)
		skb->mark = tenant << 8 | port;
	return *policy & POLICY_DROP ? TC_ACT_SHOT : TC_ACT_OK;
}

BPF_LICENSE("GPL");
