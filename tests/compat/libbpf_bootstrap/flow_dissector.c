// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* A BPF flow dissector for IPv4 and IPv6 over Ethernet (with one VLAN tag): fills
 * struct bpf_flow_keys with the addresses, ports and transport offset the stack uses for
 * RPS and hashing, and marks fragments. */
#include <stdbool.h>
#include <stddef.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define MAX_HEADER_OFF	256
#define IP_MF		0x2000
#define IP_OFFSET	0x1FFF

/* BPF_FLOW_DISSECTOR_F_* and the flow keys' flags. */
#define FLOW_DIS_IS_FRAGMENT	(1 << 0)
#define FLOW_DIS_FIRST_FRAG	(1 << 1)

char LICENSE[] SEC("license") = "GPL";

struct vlan_hdr {
	__be16 h_vlan_TCI;
	__be16 h_vlan_encapsulated_proto;
};

struct frag_hdr {
	__u8 nexthdr;
	__u8 reserved;
	__be16 frag_off;
	__be32 identification;
};

/* The header at keys->nhoff + off, or NULL if the packet is too short. */
static __always_inline void *header_at(struct __sk_buff *skb, __u16 off, __u16 len)
{
	void *data_end = (void *)(long)skb->data_end;
	void *hdr;

	/* The verifier only tracks packet pointers whose offset stays below 64 KiB. */
	if (off > MAX_HEADER_OFF)
		return NULL;
	hdr = (void *)(long)skb->data + off;
	if (hdr + len > data_end)
		return NULL;
	return hdr;
}

static __always_inline int parse_ports(struct __sk_buff *skb, struct bpf_flow_keys *keys)
{
	__be16 *ports;

	if (keys->ip_proto != IPPROTO_TCP && keys->ip_proto != IPPROTO_UDP)
		return BPF_OK;
	if (keys->is_frag && !keys->is_first_frag)
		return BPF_OK;

	ports = header_at(skb, keys->thoff, 4);
	if (!ports)
		return BPF_DROP;
	keys->sport = ports[0];
	keys->dport = ports[1];
	return BPF_OK;
}

static __always_inline int parse_ipv4(struct __sk_buff *skb, struct bpf_flow_keys *keys)
{
	struct iphdr *iph = header_at(skb, keys->nhoff, sizeof(*iph));

	if (!iph || iph->ihl < 5)
		return BPF_DROP;

	keys->addr_proto = ETH_P_IP;
	keys->ipv4_src = iph->saddr;
	keys->ipv4_dst = iph->daddr;
	keys->ip_proto = iph->protocol;
	keys->thoff = keys->nhoff + (iph->ihl << 2);

	if (iph->frag_off & bpf_htons(IP_MF | IP_OFFSET)) {
		keys->is_frag = true;
		if (!(iph->frag_off & bpf_htons(IP_OFFSET)))
			keys->is_first_frag = true;
	}
	return parse_ports(skb, keys);
}

static __always_inline int parse_ipv6(struct __sk_buff *skb, struct bpf_flow_keys *keys)
{
	struct ipv6hdr *ip6h = header_at(skb, keys->nhoff, sizeof(*ip6h));
	struct frag_hdr *fh;

	if (!ip6h)
		return BPF_DROP;

	keys->addr_proto = ETH_P_IPV6;
	__builtin_memcpy(&keys->ipv6_src, &ip6h->saddr, 2 * sizeof(ip6h->saddr));
	keys->ip_proto = ip6h->nexthdr;
	keys->thoff = keys->nhoff + sizeof(*ip6h);

	if (keys->ip_proto == IPPROTO_FRAGMENT) {
		fh = header_at(skb, keys->thoff, sizeof(*fh));
		if (!fh)
			return BPF_DROP;
		keys->is_frag = true;
		if (!(fh->frag_off & bpf_htons(IP_OFFSET << 3)))
			keys->is_first_frag = true;
		keys->ip_proto = fh->nexthdr;
		keys->thoff += sizeof(*fh);
	}
	return parse_ports(skb, keys);
}

SEC("flow_dissector")
int dissect(struct __sk_buff *skb)
{
	struct bpf_flow_keys *keys = skb->flow_keys;
	struct vlan_hdr *vlan;

	if (keys->n_proto == bpf_htons(ETH_P_8021Q)) {
		vlan = header_at(skb, keys->nhoff, sizeof(*vlan));
		if (!vlan)
			return BPF_DROP;
		keys->nhoff += sizeof(*vlan);
		keys->n_proto = vlan->h_vlan_encapsulated_proto;
	}

	switch (bpf_ntohs(keys->n_proto)) {
	case ETH_P_IP:
		return parse_ipv4(skb, keys);
	case ETH_P_IPV6:
		return parse_ipv6(skb, keys);
	default:
		return BPF_DROP;
	}
}
