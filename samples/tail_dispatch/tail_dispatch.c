// SPDX-License-Identifier: GPL-2.0
/* Tail-call dispatcher for tc, in the manner of Cilium's per-protocol tail calls.
 *
 * The entry program, dispatch, parses Ethernet and IPv4 or IPv6, leaves the L4 offset and the
 * address family in skb->cb for the next program, and tail-calls the program for the IP
 * protocol through a BPF_MAP_TYPE_PROG_ARRAY.  The array is declared the libbpf way, with its
 * slots initialised statically (`__array(values, ...)`), so libbpf fills it when it loads the
 * object.  A protocol without a program falls through the
 * tail call and passes; so does a protocol whose slot the operator emptied at run time.
 *
 * The per-protocol programs:
 *   handle_tcp   drops connection attempts (SYN without ACK) to denied ports;
 *   handle_udp   drops datagrams to denied ports;
 *   handle_icmp  drops echo requests (ICMP or ICMPv6) with more than ICMP_MAX_ECHO payload bytes.
 * Denied ports are the keys of the port_deny hash; dispatch_stats counts packets, bytes, drops and
 * missed tail calls per IP protocol.
 *
 * tc `obj` (iproute2 6.1, through libbpf) loads no program of an object but the one it
 * attaches, so it cannot fill the array: load the object with libbpf, which loads every program and fills
 * the array, pin the programs, and attach the pinned entry program with tc:
 *   bpftool prog loadall tail_dispatch.o /sys/fs/bpf/tail_dispatch
 *   tc filter add dev D ingress bpf da pinned /sys/fs/bpf/tail_dispatch/dispatch
 */
#include <stdbool.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/pkt_cls.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#ifndef ICMP_MAX_ECHO
#define ICMP_MAX_ECHO 1024
#endif

#define IP_OFFSET 0x1fff
#define ICMP_ECHO 8
#define ICMPV6_ECHO_REQUEST 128
#define ICMP_HDR_LEN 8

/* What dispatch leaves in skb->cb for the protocol programs. */
enum {
	CB_L4_OFF,
	CB_FAMILY,
};

struct proto_stats {
	__u64 packets;
	__u64 bytes;
	__u64 drops;
	__u64 missed;	/* no program for the protocol */
};

struct port_key {
	__u8 protocol;
	__u8 pad;
	__be16 port;
};

int handle_tcp(struct __sk_buff *skb);
int handle_udp(struct __sk_buff *skb);
int handle_icmp(struct __sk_buff *skb);

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 256);
	__type(key, __u32);
	/* The kernel empties a prog array when no file or fd refers to it any more. */
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__array(values, int (void *));
} l4_progs SEC(".maps") = {
	.values = {
		[IPPROTO_ICMP] = (void *)&handle_icmp,
		[IPPROTO_TCP] = (void *)&handle_tcp,
		[IPPROTO_UDP] = (void *)&handle_udp,
		[IPPROTO_ICMPV6] = (void *)&handle_icmp,
	},
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, struct proto_stats);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} dispatch_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct port_key);
	__type(value, __u8);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} port_deny SEC(".maps");

static __always_inline struct proto_stats *stats_of(__u8 protocol)
{
	__u32 key = protocol;

	return bpf_map_lookup_elem(&dispatch_stats, &key);
}

static __always_inline int verdict(struct __sk_buff *skb, __u8 protocol, bool drop)
{
	struct proto_stats *s = stats_of(protocol);

	if (s) {
		s->packets++;
		s->bytes += skb->len;
		s->drops += drop;
	}
	return drop ? TC_ACT_SHOT : TC_ACT_OK;
}

/* The L4 header, `len` bytes of it checked against the packet's end. */
static __always_inline void *l4_header(struct __sk_buff *skb, __u32 len)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	__u32 off = skb->cb[CB_L4_OFF];
	void *l4;

	/* The verifier needs the offset bounded before it is added to a packet pointer. */
	if (off > ETH_HLEN + 60)
		return NULL;
	l4 = data + off;
	if (l4 + len > data_end)
		return NULL;
	return l4;
}

static __always_inline bool port_denied(__u8 protocol, __be16 port)
{
	struct port_key key = {
		.protocol = protocol,
		.port = port,
	};

	return bpf_map_lookup_elem(&port_deny, &key) != NULL;
}

SEC("tc")
int dispatch(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	struct proto_stats *s;
	__u32 l4_off;
	__u8 protocol;

	if ((void *)(eth + 1) > data_end)
		return TC_ACT_OK;
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = (void *)(eth + 1);

		if ((void *)(ip + 1) > data_end || ip->ihl < 5)
			return TC_ACT_OK;
		/* Later fragments have no L4 header for a protocol program to read. */
		if (ip->frag_off & bpf_htons(IP_OFFSET))
			return TC_ACT_OK;
		protocol = ip->protocol;
		l4_off = ETH_HLEN + ip->ihl * 4;
	} else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);

		if ((void *)(ip6 + 1) > data_end)
			return TC_ACT_OK;
		protocol = ip6->nexthdr;
		l4_off = ETH_HLEN + sizeof(*ip6);
	} else {
		return TC_ACT_OK;
	}

	skb->cb[CB_L4_OFF] = l4_off;
	skb->cb[CB_FAMILY] = eth->h_proto;
	bpf_tail_call(skb, &l4_progs, protocol);

	/* Only reached when the slot is empty. */
	s = stats_of(protocol);
	if (s)
		s->missed++;
	return TC_ACT_OK;
}

SEC("tc")
int handle_tcp(struct __sk_buff *skb)
{
	struct tcphdr *tcp = l4_header(skb, sizeof(*tcp));
	bool drop;

	if (!tcp)
		return verdict(skb, IPPROTO_TCP, false);
	drop = tcp->syn && !tcp->ack && port_denied(IPPROTO_TCP, tcp->dest);
	return verdict(skb, IPPROTO_TCP, drop);
}

SEC("tc")
int handle_udp(struct __sk_buff *skb)
{
	struct udphdr *udp = l4_header(skb, sizeof(*udp));

	if (!udp)
		return verdict(skb, IPPROTO_UDP, false);
	return verdict(skb, IPPROTO_UDP, port_denied(IPPROTO_UDP, udp->dest));
}

SEC("tc")
int handle_icmp(struct __sk_buff *skb)
{
	bool v6 = skb->cb[CB_FAMILY] == bpf_htons(ETH_P_IPV6);
	__u8 protocol = v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP;
	__u8 *type = l4_header(skb, 1);
	__u32 payload;

	if (!type || *type != (v6 ? ICMPV6_ECHO_REQUEST : ICMP_ECHO))
		return verdict(skb, protocol, false);
	payload = skb->len - skb->cb[CB_L4_OFF] - ICMP_HDR_LEN;
	return verdict(skb, protocol, payload > ICMP_MAX_ECHO);
}

char _license[] SEC("license") = "GPL";
