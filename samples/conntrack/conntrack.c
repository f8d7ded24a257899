// SPDX-License-Identifier: GPL-2.0
/* Connection tracker for tc, in the manner of Cilium's lib/conntrack.h.
 *
 * Every IPv4 TCP, UDP and ICMP echo flow gets one entry in an LRU hash, keyed by the 5-tuple of
 * the packet that opened it (the original direction).  A packet is looked up with its own tuple
 * and then with the tuple reversed; a hit on the reversed tuple is a reply.  TCP entries follow
 * the handshake and the teardown (SYN, SYN-ACK, established, a FIN from either side, RST).
 * Every packet renews its entry's deadline, bpf_ktime_get_ns() plus a lifetime that depends on
 * the state; an entry found past its deadline is removed and the packet treated as new.
 * Entries count packets and bytes per direction, and a per-CPU array counts lookup results.
 *
 * Attach the object at both ingress and egress of a device.  The maps are pinned by name
 * (LIBBPF_PIN_BY_NAME, under tc's /sys/fs/bpf/tc/globals), so both attachments share them.
 * A TCP segment or ICMP echo reply that belongs to no connection is invalid and dropped, as a
 * stateful firewall does; build with -DCT_DROP_INVALID=0 to count invalid packets only.
 */
#include <stdbool.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/pkt_cls.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

/* <linux/icmp.h> includes glibc's <sys/socket.h>, which has no BPF target: the echo header. */
struct icmp_echo_hdr {
	__u8 type;
	__u8 code;
	__sum16 checksum;
	__be16 id;
	__be16 sequence;
};

#define ICMP_ECHOREPLY 0
#define ICMP_ECHO 8

#define NSEC_PER_SEC 1000000000ULL

/* Lifetimes in seconds, Cilium's defaults. */
#ifndef CT_SYN_TIMEOUT
#define CT_SYN_TIMEOUT 60
#endif
#ifndef CT_TCP_LIFETIME
#define CT_TCP_LIFETIME 21600
#endif
#ifndef CT_CLOSE_TIMEOUT
#define CT_CLOSE_TIMEOUT 10
#endif
#ifndef CT_NONTCP_LIFETIME
#define CT_NONTCP_LIFETIME 60
#endif
#ifndef CT_MAP_SIZE
#define CT_MAP_SIZE 65536
#endif
#ifndef CT_DROP_INVALID
#define CT_DROP_INVALID 1
#endif

#define IP_MF 0x2000
#define IP_OFFSET 0x1fff

/* The TCP flags byte (byte 13 of the header), as a bit set. */
#define TCP_FLAG_FIN 0x01
#define TCP_FLAG_SYN 0x02
#define TCP_FLAG_RST 0x04
#define TCP_FLAG_ACK 0x10

enum ct_dir {
	CT_ORIGINAL,
	CT_REPLY,
	CT_DIRS,
};

enum ct_state {
	CT_NONE,
	CT_NEW,		/* UDP or ICMP: no reply yet */
	CT_SYN_SENT,	/* TCP: the originator's SYN */
	CT_SYN_RECV,	/* TCP: the responder's SYN-ACK */
	CT_ESTABLISHED,	/* TCP: handshake complete; UDP or ICMP: a reply was seen */
	CT_FIN_WAIT,	/* TCP: one side has sent a FIN */
	CT_CLOSED,	/* TCP: both sides have sent a FIN, or either a RST */
};

enum ct_metric {
	CT_METRIC_NEW,		/* entry created */
	CT_METRIC_ORIGINAL,	/* packet of a tracked flow, original direction */
	CT_METRIC_REPLY,	/* packet of a tracked flow, reply direction */
	CT_METRIC_EXPIRED,	/* entry found past its deadline and removed */
	CT_METRIC_INVALID,	/* packet of no flow that opens none */
	CT_METRIC_UNTRACKED,	/* not IPv4 TCP, UDP or ICMP echo, or a fragment */
	CT_METRIC_MAX,
};

/* Addresses and ports in network byte order; for ICMP echo the identifier stands in for the
 * source port of a request and the destination port of a reply, so replies reverse requests. */
struct ct_tuple {
	__be32 saddr;
	__be32 daddr;
	__be16 sport;
	__be16 dport;
	__u8 proto;
	__u8 pad[3];
};

struct ct_entry {
	__u64 expires;			/* bpf_ktime_get_ns() deadline */
	__u64 created;
	__u64 packets[CT_DIRS];
	__u64 bytes[CT_DIRS];
	__u8 state;			/* enum ct_state */
	__u8 tcp_flags[CT_DIRS];	/* every TCP flag seen, per direction */
	__u8 pad[5];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, CT_MAP_SIZE);
	__type(key, struct ct_tuple);
	__type(value, struct ct_entry);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ct4_global SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, CT_METRIC_MAX);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ct4_metrics SEC(".maps");

static __always_inline void count(enum ct_metric metric)
{
	__u32 key = metric;
	__u64 *value = bpf_map_lookup_elem(&ct4_metrics, &key);

	if (value)
		*value += 1;
}

/* Fills the tuple from the packet; returns the TCP flags (0 for other protocols), or -1 for a
 * packet the tracker ignores. */
static __always_inline int parse_tuple(struct __sk_buff *skb, struct ct_tuple *tuple)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	void *l4;

	if ((void *)(ip + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		return -1;
	if (ip->ihl < 5 || ip->frag_off & bpf_htons(IP_MF | IP_OFFSET))
		return -1;
	l4 = (void *)ip + ip->ihl * 4;
	tuple->saddr = ip->saddr;
	tuple->daddr = ip->daddr;
	tuple->proto = ip->protocol;

	switch (ip->protocol) {
	case IPPROTO_TCP: {
		struct tcphdr *tcp = l4;

		if ((void *)(tcp + 1) > data_end)
			return -1;
		tuple->sport = tcp->source;
		tuple->dport = tcp->dest;
		return tcp->fin * TCP_FLAG_FIN | tcp->syn * TCP_FLAG_SYN | tcp->rst * TCP_FLAG_RST |
		       tcp->ack * TCP_FLAG_ACK;
	}
	case IPPROTO_UDP: {
		struct udphdr *udp = l4;

		if ((void *)(udp + 1) > data_end)
			return -1;
		tuple->sport = udp->source;
		tuple->dport = udp->dest;
		return 0;
	}
	case IPPROTO_ICMP: {
		struct icmp_echo_hdr *icmp = l4;

		if ((void *)(icmp + 1) > data_end)
			return -1;
		if (icmp->type == ICMP_ECHO) {
			tuple->sport = icmp->id;
			tuple->dport = 0;
		} else if (icmp->type == ICMP_ECHOREPLY) {
			tuple->sport = 0;
			tuple->dport = icmp->id;
		} else {
			return -1;
		}
		return 0;
	}
	}
	return -1;
}

static __always_inline void reverse(struct ct_tuple *rev, const struct ct_tuple *tuple)
{
	rev->saddr = tuple->daddr;
	rev->daddr = tuple->saddr;
	rev->sport = tuple->dport;
	rev->dport = tuple->sport;
	rev->proto = tuple->proto;
}

/* Whether a packet without an entry may open a connection. */
static __always_inline bool opens(const struct ct_tuple *tuple, int flags)
{
	if (tuple->proto == IPPROTO_TCP)
		return (flags & (TCP_FLAG_SYN | TCP_FLAG_ACK | TCP_FLAG_RST)) == TCP_FLAG_SYN;
	if (tuple->proto == IPPROTO_ICMP)
		return tuple->dport == 0;	/* an echo request */
	return true;
}

static __always_inline __u8 tcp_next_state(const struct ct_entry *entry, enum ct_dir dir, int flags)
{
	__u8 fins = entry->tcp_flags[CT_ORIGINAL] & entry->tcp_flags[CT_REPLY] & TCP_FLAG_FIN;

	if (flags & TCP_FLAG_RST || fins)
		return CT_CLOSED;
	if ((entry->tcp_flags[CT_ORIGINAL] | entry->tcp_flags[CT_REPLY]) & TCP_FLAG_FIN)
		return CT_FIN_WAIT;
	switch (entry->state) {
	case CT_SYN_SENT:
		if (dir == CT_REPLY && (flags & (TCP_FLAG_SYN | TCP_FLAG_ACK)) == (TCP_FLAG_SYN | TCP_FLAG_ACK))
			return CT_SYN_RECV;
		break;
	case CT_SYN_RECV:
		if (dir == CT_ORIGINAL && (flags & (TCP_FLAG_SYN | TCP_FLAG_ACK)) == TCP_FLAG_ACK)
			return CT_ESTABLISHED;
		break;
	}
	return entry->state;
}

static __always_inline __u64 lifetime(__u8 state)
{
	switch (state) {
	case CT_SYN_SENT:
	case CT_SYN_RECV:
		return CT_SYN_TIMEOUT * NSEC_PER_SEC;
	case CT_ESTABLISHED:
		return CT_TCP_LIFETIME * NSEC_PER_SEC;
	case CT_FIN_WAIT:
	case CT_CLOSED:
		return CT_CLOSE_TIMEOUT * NSEC_PER_SEC;
	}
	return CT_NONTCP_LIFETIME * NSEC_PER_SEC;
}

static __always_inline void ct_update(struct ct_entry *entry, enum ct_dir dir, int flags,
				      __u32 len, __u64 now)
{
	__sync_fetch_and_add(&entry->packets[dir], 1);
	__sync_fetch_and_add(&entry->bytes[dir], len);
	if (entry->state >= CT_SYN_SENT) {
		entry->tcp_flags[dir] |= flags;
		entry->state = tcp_next_state(entry, dir, flags);
	} else if (dir == CT_REPLY) {
		entry->state = CT_ESTABLISHED;
	}
	entry->expires = now + lifetime(entry->state);
}

static __always_inline struct ct_entry *ct_lookup(struct ct_tuple *tuple, __u64 now)
{
	struct ct_entry *entry = bpf_map_lookup_elem(&ct4_global, tuple);

	if (entry && entry->expires <= now) {
		bpf_map_delete_elem(&ct4_global, tuple);
		count(CT_METRIC_EXPIRED);
		return NULL;
	}
	return entry;
}

static __always_inline int ct_create(struct ct_tuple *tuple, int flags, __u32 len, __u64 now)
{
	struct ct_entry entry = {
		.created = now,
		.packets = { 1, 0 },
		.bytes = { len, 0 },
		.state = tuple->proto == IPPROTO_TCP ? CT_SYN_SENT : CT_NEW,
		.tcp_flags = { flags, 0 },
	};

	entry.expires = now + lifetime(entry.state);
	/* Another CPU may have created the entry meanwhile; its packet already counted. */
	bpf_map_update_elem(&ct4_global, tuple, &entry, BPF_NOEXIST);
	count(CT_METRIC_NEW);
	return TC_ACT_OK;
}

SEC("tc")
int conntrack(struct __sk_buff *skb)
{
	struct ct_tuple tuple = {}, rev = {};
	struct ct_entry *entry;
	__u64 now = bpf_ktime_get_ns();
	int flags = parse_tuple(skb, &tuple);

	if (flags < 0) {
		count(CT_METRIC_UNTRACKED);
		return TC_ACT_OK;
	}

	entry = ct_lookup(&tuple, now);
	if (entry) {
		ct_update(entry, CT_ORIGINAL, flags, skb->len, now);
		count(CT_METRIC_ORIGINAL);
		return TC_ACT_OK;
	}
	reverse(&rev, &tuple);
	entry = ct_lookup(&rev, now);
	if (entry) {
		ct_update(entry, CT_REPLY, flags, skb->len, now);
		count(CT_METRIC_REPLY);
		return TC_ACT_OK;
	}

	if (opens(&tuple, flags))
		return ct_create(&tuple, flags, skb->len, now);
	count(CT_METRIC_INVALID);
	return CT_DROP_INVALID ? TC_ACT_SHOT : TC_ACT_OK;
}

char _license[] SEC("license") = "GPL";
