/* Copyright (C) compat-suite authors.
 * A katran-style L4 load balancer: look the destination up among the VIPs, find the
 * connection's real in the LRU table or pick one from the VIP's consistent-hashing ring,
 * then encapsulate the packet in IPIP towards the real and bounce it out with XDP_TX. */
#include <stdbool.h>
#include <stddef.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "balancer_consts.h"
#include "balancer_structs.h"
#include "balancer_maps.h"
#include "encap_helpers.h"
#include "jhash.h"

#define INIT_JHASH_SEED		CH_RINGS_SIZE

static __inline__ __u32 get_packet_hash(struct packet_description *pckt, bool hash_16bytes)
{
	if (hash_16bytes)
		return jhash_2words(jhash_1word(pckt->flow.srcv6[0] ^ pckt->flow.srcv6[3], INIT_JHASH_SEED),
				    pckt->flow.ports, INIT_JHASH_SEED);
	return jhash_2words(pckt->flow.src, pckt->flow.ports, INIT_JHASH_SEED);
}

static __inline__ bool get_packet_dst(struct real_definition **real,
				      struct packet_description *pckt,
				      struct vip_meta *vip_info, bool is_ipv6)
{
	struct real_pos_lru new_dst_lru = {};
	__u32 hash, key, *real_pos;

	hash = get_packet_hash(pckt, is_ipv6) % RING_SIZE;
	key = RING_SIZE * vip_info->vip_num + hash;

	real_pos = bpf_map_lookup_elem(&ch_rings, &key);
	if (!real_pos)
		return false;
	key = *real_pos;
	pckt->real_index = key;
	*real = bpf_map_lookup_elem(&reals, &key);
	if (!*real)
		return false;
	if (!(vip_info->flags & F_LRU_BYPASS)) {
		new_dst_lru.pos = key;
		new_dst_lru.atime = bpf_ktime_get_ns();
		bpf_map_update_elem(&lru_mapping, &pckt->flow, &new_dst_lru, BPF_ANY);
	}
	return true;
}

static __inline__ void connection_table_lookup(struct real_definition **real,
					       struct packet_description *pckt)
{
	struct real_pos_lru *dst_lru;
	__u32 key;

	dst_lru = bpf_map_lookup_elem(&lru_mapping, &pckt->flow);
	if (!dst_lru)
		return;
	key = dst_lru->pos;
	pckt->real_index = key;
	*real = bpf_map_lookup_elem(&reals, &key);
}

static __inline__ int parse_l4(void *data, void *data_end, __u64 off, struct packet_description *pckt)
{
	if (pckt->flow.proto == IPPROTO_TCP) {
		struct tcphdr *tcp = data + off;

		if (tcp + 1 > data_end)
			return XDP_DROP;
		pckt->flow.port16[0] = tcp->source;
		pckt->flow.port16[1] = tcp->dest;
	} else if (pckt->flow.proto == IPPROTO_UDP) {
		struct udphdr *udp = data + off;

		if (udp + 1 > data_end)
			return XDP_DROP;
		pckt->flow.port16[0] = udp->source;
		pckt->flow.port16[1] = udp->dest;
	} else {
		return XDP_PASS;
	}
	return FURTHER_PROCESSING;
}

static __inline__ int process_packet(void *data, __u64 off, void *data_end, struct xdp_md *xdp)
{
	struct packet_description pckt = {};
	struct vip_definition vip = {};
	struct real_definition *dst = NULL;
	struct vip_meta *vip_info;
	struct ctl_value *cval;
	struct lb_stats *data_stats;
	struct iphdr *iph = data + off;
	__u32 mac_addr_pos = 0, vip_num, pkt_bytes;
	int action;

	if (iph + 1 > data_end)
		return XDP_DROP;
	if (iph->ihl != 5)
		return XDP_DROP;	/* options are not supported */
	if (iph->frag_off & PCKT_FRAGMENTED)
		return XDP_DROP;

	pckt.tos = iph->tos;
	pckt.flow.proto = iph->protocol;
	pckt.flow.src = iph->saddr;
	pckt.flow.dst = iph->daddr;
	pkt_bytes = bpf_ntohs(iph->tot_len);

	action = parse_l4(data, data_end, off + sizeof(struct iphdr), &pckt);
	if (action >= 0)
		return action;

	vip.vip = pckt.flow.dst;
	vip.port = pckt.flow.port16[1];
	vip.proto = pckt.flow.proto;
	vip_info = bpf_map_lookup_elem(&vip_map, &vip);
	if (!vip_info) {
		/* A VIP may listen on every port. */
		vip.port = 0;
		vip_info = bpf_map_lookup_elem(&vip_map, &vip);
		if (!vip_info)
			return XDP_PASS;
	}
	if (vip_info->flags & F_HASH_NO_SRC_PORT)
		pckt.flow.port16[0] = 0;
	vip_num = vip_info->vip_num;

	if (!(vip_info->flags & F_LRU_BYPASS))
		connection_table_lookup(&dst, &pckt);
	if (!dst) {
		__u32 miss = MAX_VIPS + LRU_MISS_CNTR;
		struct lb_stats *lru_stats = bpf_map_lookup_elem(&stats, &miss);

		if (lru_stats)
			lru_stats->v1 += 1;
		if (!get_packet_dst(&dst, &pckt, vip_info, false))
			return XDP_DROP;
	}

	cval = bpf_map_lookup_elem(&ctl_array, &mac_addr_pos);
	if (!cval)
		return XDP_DROP;

	data_stats = bpf_map_lookup_elem(&stats, &vip_num);
	if (!data_stats)
		return XDP_DROP;
	data_stats->v1 += 1;
	data_stats->v2 += pkt_bytes;

	if (!encap_v4(xdp, cval, &pckt, dst, pkt_bytes))
		return XDP_DROP;
	return XDP_TX;
}

SEC("xdp")
int balancer_ingress(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	__u32 eth_proto;
	__u32 nh_off;

	nh_off = sizeof(struct ethhdr);
	if (data + nh_off > data_end)
		return XDP_DROP;

	eth_proto = eth->h_proto;
	if (eth_proto == BE_ETH_P_IP)
		return process_packet(data, nh_off, data_end, ctx);
	/* IPv6 VIPs are not configured in this build; let the stack have them. */
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
