/* XDP source-address blacklist with iproute2's legacy maps (loaded with
 * `ip link set dev D xdp obj xdp_blacklist.o sec xdp`): a per-CPU hash of blocked
 * IPv4 sources counts the drops, VLAN tags are skipped. */
#include <linux/ip.h>
#include <linux/if_vlan.h>

#include "bpf_api.h"

#ifndef VLAN_MAX_DEPTH
# define VLAN_MAX_DEPTH	2
#endif

struct vlan_hdr {
	__be16 h_vlan_TCI;
	__be16 h_vlan_encapsulated_proto;
};

struct bpf_elf_map __section_maps blacklist = {
	.type		= BPF_MAP_TYPE_PERCPU_HASH,
	.size_key	= sizeof(__u32),
	.size_value	= sizeof(__u64),
	.max_elem	= 1024,
	.flags		= BPF_F_NO_PREALLOC,
	.pinning	= PIN_GLOBAL_NS,
};

static __inline__ int proto_is_vlan(__u16 h_proto)
{
	return h_proto == htons(ETH_P_8021Q) || h_proto == htons(ETH_P_8021AD);
}

__section_xdp_entry
int xdp_drop_blacklisted(struct xdp_md *ctx)
{
	void *data_end = (void *)(long)ctx->data_end;
	void *data = (void *)(long)ctx->data;
	struct ethhdr *eth = data;
	struct vlan_hdr *vh;
	struct iphdr *iph;
	__u16 h_proto;
	__u64 *drops;
	__u32 saddr;
	int i;

	if ((void *)(eth + 1) > data_end)
		return XDP_DROP;

	h_proto = eth->h_proto;
	vh = (void *)(eth + 1);
#pragma unroll
	for (i = 0; i < VLAN_MAX_DEPTH; i++) {
		if (!proto_is_vlan(h_proto))
			break;
		if ((void *)(vh + 1) > data_end)
			return XDP_DROP;
		h_proto = vh->h_vlan_encapsulated_proto;
		vh++;
	}

	if (h_proto != htons(ETH_P_IP))
		return XDP_PASS;

	iph = (void *)vh;
	if ((void *)(iph + 1) > data_end)
		return XDP_DROP;

	saddr = iph->saddr;
	drops = map_lookup_elem(&blacklist, &saddr);
	if (drops) {
		*drops += 1;
		return XDP_DROP;
	}
	return XDP_PASS;
}

BPF_LICENSE("GPL");
