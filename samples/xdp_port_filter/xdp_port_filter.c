// XDP port filter: parses Ethernet (with one optional 802.1Q tag), IPv4 or
// IPv6, then UDP or TCP, and drops packets to a blocked destination port.
// Frames too short for the headers they announce are aborted; anything that
// is not IP is passed.  Build-time configuration: -DBLOCKED_PORT=<port>.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#ifndef BLOCKED_PORT
#define BLOCKED_PORT 9
#endif

/* The 802.1Q tag after the MAC addresses; the kernel keeps it out of the uapi. */
struct vlan_hdr {
	__be16 h_vlan_TCI;
	__be16 h_vlan_encapsulated_proto;
};

struct cursor {
	void *pos;
	void *end;
};

static __always_inline void *take(struct cursor *c, unsigned long len)
{
	void *start = c->pos;

	if (c->pos + len > c->end)
		return NULL;
	c->pos += len;
	return start;
}

static __always_inline int l4_verdict(struct cursor *c, __u8 proto)
{
	__u16 dport;

	if (proto == IPPROTO_UDP) {
		struct udphdr *udp = take(c, sizeof(*udp));

		if (!udp)
			return XDP_ABORTED;
		dport = udp->dest;
	} else if (proto == IPPROTO_TCP) {
		struct tcphdr *tcp = take(c, sizeof(*tcp));

		if (!tcp)
			return XDP_ABORTED;
		dport = tcp->dest;
	} else {
		return XDP_PASS;
	}
	return dport == bpf_htons(BLOCKED_PORT) ? XDP_DROP : XDP_PASS;
}

SEC("xdp")
int xdp_port_filter(struct xdp_md *ctx)
{
	struct cursor c = {
		.pos = (void *)(long)ctx->data,
		.end = (void *)(long)ctx->data_end,
	};
	struct ethhdr *eth = take(&c, sizeof(*eth));
	__u16 proto;

	if (!eth)
		return XDP_ABORTED;
	proto = eth->h_proto;
	if (proto == bpf_htons(ETH_P_8021Q)) {
		struct vlan_hdr *vlan = take(&c, sizeof(*vlan));

		if (!vlan)
			return XDP_ABORTED;
		proto = vlan->h_vlan_encapsulated_proto;
	}

	if (proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = take(&c, sizeof(*ip));

		if (!ip || ip->ihl < 5)
			return XDP_ABORTED;
		/* Skip IP options; fragments after the first carry no L4 header. */
		if (!take(&c, (ip->ihl - 5) * 4))
			return XDP_ABORTED;
		if (ip->frag_off & bpf_htons(0x1fff))
			return XDP_PASS;
		return l4_verdict(&c, ip->protocol);
	}
	if (proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = take(&c, sizeof(*ip6));

		if (!ip6)
			return XDP_ABORTED;
		return l4_verdict(&c, ip6->nexthdr);
	}
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
