// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* libbpf-bootstrap's "sockfilter" shape: a socket filter on a packet socket that keeps only
 * IPv4 TCP and UDP packets to a watched port range, reports each through a ring buffer, and
 * drops everything else from the socket.  Headers are read relative to the network header,
 * so the filter works the same on packet sockets and on IP sockets. */
#include <stddef.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/ip.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "sockfilter.h"

#define IP_MF		0x2000
#define IP_OFFSET	0x1FFF

#ifndef WATCH_PORT_MIN
#define WATCH_PORT_MIN	7000
#endif
#ifndef WATCH_PORT_MAX
#define WATCH_PORT_MAX	7999
#endif

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} rb SEC(".maps");

static __always_inline int ip_is_fragment(struct __sk_buff *skb)
{
	__u16 frag_off;

	if (bpf_skb_load_bytes_relative(skb, offsetof(struct iphdr, frag_off), &frag_off,
					sizeof(frag_off), BPF_HDR_START_NET) < 0)
		return 1;
	return bpf_ntohs(frag_off) & (IP_MF | IP_OFFSET);
}

SEC("socket")
int socket_handler(struct __sk_buff *skb)
{
	struct so_event *e;
	struct iphdr iph;
	__u16 dport;
	__u32 ihl;

	if (skb->protocol != bpf_htons(ETH_P_IP))
		return 0;
	if (ip_is_fragment(skb))
		return 0;
	if (bpf_skb_load_bytes_relative(skb, 0, &iph, sizeof(iph), BPF_HDR_START_NET) < 0)
		return 0;
	if (iph.protocol != IPPROTO_TCP && iph.protocol != IPPROTO_UDP)
		return 0;

	ihl = iph.ihl * 4;
	if (ihl < sizeof(iph))
		return 0;
	if (bpf_skb_load_bytes_relative(skb, ihl + 2, &dport, sizeof(dport), BPF_HDR_START_NET) < 0)
		return 0;
	dport = bpf_ntohs(dport);
	if (dport < WATCH_PORT_MIN || dport > WATCH_PORT_MAX)
		return 0;

	/* Reserve the sample; if the ring buffer is full, keep the packet anyway. */
	e = bpf_ringbuf_reserve(&rb, sizeof(*e), 0);
	if (!e)
		return skb->len;

	e->ip_proto = iph.protocol;
	e->src_addr = iph.saddr;
	e->dst_addr = iph.daddr;
	bpf_skb_load_bytes_relative(skb, ihl, &e->ports, 4, BPF_HDR_START_NET);
	e->pkt_type = skb->pkt_type;
	e->ifindex = skb->ifindex;
	bpf_ringbuf_submit(e, 0);

	return skb->len;
}
