/* Copyright (C) compat-suite authors.  IPIP encapsulation for the balancer: make room with
 * bpf_xdp_adjust_head, then write a new Ethernet and outer IPv4 header. */
#ifndef __ENCAP_HELPERS_H
#define __ENCAP_HELPERS_H

#include <linux/if_ether.h>
#include <linux/ip.h>
#include <bpf/bpf_helpers.h>

#include "balancer_consts.h"
#include "balancer_structs.h"

static __inline__ void ipv4_csum_inline(void *iph, __u64 *csum)
{
	__u16 *next_iph_u16 = (__u16 *)iph;
	int i;

#pragma clang loop unroll(full)
	for (i = 0; i < sizeof(struct iphdr) >> 1; i++)
		*csum += *next_iph_u16++;
	*csum = (*csum & 0xffff) + (*csum >> 16);
	*csum = (*csum & 0xffff) + (*csum >> 16);
	*csum = ~*csum;
}

static __inline__ void create_v4_hdr(struct iphdr *iph, __u8 tos, __u32 saddr, __u32 daddr,
				     __u16 pkt_bytes, __u8 proto)
{
	__u64 csum = 0;

	iph->version = 4;
	iph->ihl = 5;
	iph->frag_off = 0;
	iph->protocol = proto;
	iph->check = 0;
	iph->tos = tos;
	iph->tot_len = bpf_htons(pkt_bytes + sizeof(struct iphdr));
	iph->id = 0;
	iph->daddr = daddr;
	iph->saddr = saddr;
	iph->ttl = DEFAULT_TTL;
	ipv4_csum_inline(iph, &csum);
	iph->check = csum;
}

static __inline__ int encap_v4(struct xdp_md *xdp, struct ctl_value *cval,
			       struct packet_description *pckt, struct real_definition *dst,
			       __u32 pkt_bytes)
{
	void *data, *data_end;
	struct iphdr *iph;
	struct ethhdr *new_eth, *old_eth;
	__u32 ip_suffix = bpf_htons(pckt->flow.port16[0]);

	ip_suffix <<= 16;
	ip_suffix ^= pckt->flow.src;

	if (bpf_xdp_adjust_head(xdp, 0 - (int)sizeof(struct iphdr)))
		return 0;

	data = (void *)(long)xdp->data;
	data_end = (void *)(long)xdp->data_end;
	new_eth = data;
	iph = data + sizeof(struct ethhdr);
	old_eth = data + sizeof(struct iphdr);
	if (new_eth + 1 > data_end || old_eth + 1 > data_end || iph + 1 > data_end)
		return 0;

	__builtin_memcpy(new_eth->h_dest, cval->mac, 6);
	__builtin_memcpy(new_eth->h_source, old_eth->h_dest, 6);
	new_eth->h_proto = BE_ETH_P_IP;

	create_v4_hdr(iph, pckt->tos, (0xffff0000 & ip_suffix) | IPIP_V4_PREFIX, dst->dst,
		      pkt_bytes, IPPROTO_IPIP_NR);
	return 1;
}

#endif /* __ENCAP_HELPERS_H */
