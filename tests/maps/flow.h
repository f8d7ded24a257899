/* Shared by the map tests: an IPv4/UDP flow parsed from an XDP packet. */
#ifndef FLOW_H
#define FLOW_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct flow {
	__u32 saddr;
	__u32 daddr;
	__u16 sport;
	__u16 dport;
	__u8 proto;
	__u8 pad[3];
};

/* 0 and *f filled for an IPv4 UDP packet; -1 for anything else. */
static __always_inline int parse_flow(struct xdp_md *ctx, struct flow *f)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	struct udphdr *udp = (void *)(ip + 1);

	if ((void *)(udp + 1) > data_end)
		return -1;
	if (eth->h_proto != bpf_htons(ETH_P_IP) || ip->ihl != 5 || ip->protocol != IPPROTO_UDP)
		return -1;
	__builtin_memset(f, 0, sizeof(*f));
	f->saddr = ip->saddr;
	f->daddr = ip->daddr;
	f->sport = bpf_ntohs(udp->source);
	f->dport = bpf_ntohs(udp->dest);
	f->proto = ip->protocol;
	return 0;
}

#endif
