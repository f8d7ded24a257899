// SPDX-License-Identifier: GPL-2.0
/* Identity-based L3/L4 policy for one endpoint, in the manner of Cilium's bpf_lxc.c.
 *
 * Addresses do not appear in the policy: the ipcache, an LPM trie shared by every endpoint,
 * maps an IPv4 or IPv6 prefix to the security identity of whatever lives there (the longest
 * prefix wins, an address in no prefix is "world").  The endpoint's own policy map then says,
 * for the remote identity, the direction, the protocol and the destination port, whether the
 * packet is allowed or denied.  Identity 0, protocol 0 and port 0 in a policy key are
 * wildcards, tried from the most specific key to the least (see policy_lookup); the agent that
 * writes the map resolves precedence between rules.  A packet no entry matches is dropped:
 * the endpoint is in default-deny, unless built for audit mode.  Non-IP frames and ICMPv6
 * neighbour discovery and multicast listener messages pass without policy.
 *
 * Per endpoint, compiled in (give them with -D, e.g. from bpfcc.compile_file(defines=...)):
 *   SECLABEL           the endpoint's own security identity, reported in the flow log;
 *   LXC_IPV4, LXC_IPV6 the endpoint's addresses: what it sends from any other is spoofed;
 *   POLICY_AUDIT_MODE  1 to let every packet pass and only count what policy would drop.
 *
 * Attach policy_ingress at tc ingress and policy_egress at tc egress of the endpoint's device.
 * The maps are pinned by name under tc's /sys/fs/bpf/tc/globals for the agent to fill.
 */
#include <stdbool.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/icmpv6.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/pkt_cls.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#ifndef SECLABEL
#define SECLABEL 256
#endif
#ifndef LXC_IPV4
#define LXC_IPV4 0x0a000002	/* 10.0.0.2, in host byte order */
#endif
#ifndef LXC_IPV6
#define LXC_IPV6 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2	/* fd00::2 */
#endif
#ifndef POLICY_AUDIT_MODE
#define POLICY_AUDIT_MODE 0
#endif
#ifndef POLICY_MAP_SIZE
#define POLICY_MAP_SIZE 16384
#endif
#ifndef IPCACHE_MAP_SIZE
#define IPCACHE_MAP_SIZE 512000
#endif

/* Cilium's reserved identities. */
#define IDENTITY_ANY 0
#define WORLD_ID 2

#define IP_MF 0x2000
#define IP_OFFSET 0x1fff
#define IPV6_MAX_EXT_HEADERS 4
#define NEXTHDR_HOP 0
#define NEXTHDR_ROUTING 43
#define NEXTHDR_FRAGMENT 44
#define NEXTHDR_DEST 60
#define NDISC_ROUTER_SOLICITATION 133
#define NDISC_REDIRECT 137
/* ICMP and ICMPv6 rules match the message type where TCP and UDP rules match the port. */
#define ICMP_TYPE_PORT(type) bpf_htons(type)

enum direction {
	DIR_INGRESS,
	DIR_EGRESS,
	DIRECTIONS,
};

enum reason {
	REASON_ALLOWED,
	REASON_DENIED,		/* a deny entry matched */
	REASON_NO_POLICY,	/* no entry matched: default deny */
	REASON_AUDITED,		/* policy would drop it, audit mode let it pass */
	REASON_SPOOFED,		/* sent from an address that is not the endpoint's */
	REASON_NOT_IP,		/* ARP and other non-IP frames pass unchecked */
	REASONS,
};

union v6addr {
	__u8 addr[16];
	__be32 p[4];
};

struct ipcache_key {
	struct bpf_lpm_trie_key_hdr lpm;	/* prefix length in bits, from cluster_id on */
	__u16 cluster_id;
	__u8 pad;
	__u8 family;				/* ENDPOINT_KEY_IPV4 or ENDPOINT_KEY_IPV6 */
	union {
		__be32 ip4;
		union v6addr ip6;
	};
};

#define ENDPOINT_KEY_IPV4 1
#define ENDPOINT_KEY_IPV6 2
/* cluster_id, pad and family always take part in the match. */
#define IPCACHE_PREFIX_EXTRA 32

struct remote_endpoint_info {
	__u32 sec_identity;
	__u32 pad;
};

struct policy_key {
	__u32 sec_label;	/* remote identity, IDENTITY_ANY for every identity */
	__u8 egress;		/* enum direction */
	__u8 protocol;		/* 0 for every protocol */
	__be16 dport;		/* 0 for every port */
};

struct policy_entry {
	__u8 deny;
	__u8 pad[7];
	__u64 packets;
	__u64 bytes;
};

/* One flow-log line: who talked to whom, how, and what policy said. */
struct flow_key {
	__u32 src_identity;
	__u32 dst_identity;
	__u8 protocol;
	__u8 reason;		/* enum reason */
	__be16 dport;
};

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, IPCACHE_MAP_SIZE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct ipcache_key);
	__type(value, struct remote_endpoint_info);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ipcache SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, POLICY_MAP_SIZE);
	__type(key, struct policy_key);
	__type(value, struct policy_entry);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ep_policy SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct flow_key);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} flow_log SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, DIRECTIONS * REASONS);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} policy_metrics SEC(".maps");

/* What the verdict needs to know about a packet. */
struct flow {
	union v6addr saddr;
	union v6addr daddr;
	__u8 family;		/* ENDPOINT_KEY_IPV4 or ENDPOINT_KEY_IPV6 */
	__u8 protocol;
	__be16 dport;		/* 0 for later fragments, the type for ICMP */
};

static __always_inline void count(enum direction dir, enum reason reason)
{
	__u32 key = dir * REASONS + reason;
	__u64 *value = bpf_map_lookup_elem(&policy_metrics, &key);

	if (value)
		*value += 1;
}

static __always_inline void log_flow(__u32 src, __u32 dst, const struct flow *flow, enum reason reason)
{
	struct flow_key key = {
		.src_identity = src,
		.dst_identity = dst,
		.protocol = flow->protocol,
		.reason = reason,
		.dport = flow->dport,
	};
	__u64 one = 1, *packets = bpf_map_lookup_elem(&flow_log, &key);

	if (packets)
		__sync_fetch_and_add(packets, 1);
	else
		bpf_map_update_elem(&flow_log, &key, &one, BPF_NOEXIST);
}

static __always_inline __be16 l4_dport(void *l4, void *data_end, __u8 protocol)
{
	switch (protocol) {
	case IPPROTO_TCP: {
		struct tcphdr *tcp = l4;

		return (void *)(tcp + 1) <= data_end ? tcp->dest : 0;
	}
	case IPPROTO_UDP: {
		struct udphdr *udp = l4;

		return (void *)(udp + 1) <= data_end ? udp->dest : 0;
	}
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6: {
		__u8 *type = l4;

		return (void *)(type + 1) <= data_end ? ICMP_TYPE_PORT(*type) : 0;
	}
	}
	return 0;
}

/* Parses IPv4 or IPv6 (with up to IPV6_MAX_EXT_HEADERS extension headers); false for
 * anything else. */
static __always_inline bool parse_flow(struct __sk_buff *skb, struct flow *flow)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;

	if ((void *)(eth + 1) > data_end)
		return false;
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = (void *)(eth + 1);

		if ((void *)(ip + 1) > data_end || ip->ihl < 5)
			return false;
		flow->family = ENDPOINT_KEY_IPV4;
		flow->saddr.p[0] = ip->saddr;
		flow->daddr.p[0] = ip->daddr;
		flow->protocol = ip->protocol;
		/* Only the first fragment has the L4 header. */
		if (!(ip->frag_off & bpf_htons(IP_OFFSET)))
			flow->dport = l4_dport((void *)ip + ip->ihl * 4, data_end, ip->protocol);
		return true;
	}
	if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);
		__u8 *ext, nexthdr;
		int i;

		if ((void *)(ip6 + 1) > data_end)
			return false;
		flow->family = ENDPOINT_KEY_IPV6;
		__builtin_memcpy(&flow->saddr, &ip6->saddr, sizeof(flow->saddr));
		__builtin_memcpy(&flow->daddr, &ip6->daddr, sizeof(flow->daddr));
		nexthdr = ip6->nexthdr;
		ext = (void *)(ip6 + 1);
#pragma unroll
		for (i = 0; i < IPV6_MAX_EXT_HEADERS; i++) {
			if (nexthdr != NEXTHDR_HOP && nexthdr != NEXTHDR_ROUTING && nexthdr != NEXTHDR_DEST &&
			    nexthdr != NEXTHDR_FRAGMENT)
				break;
			if (ext + 8 > (__u8 *)data_end)
				return false;
			if (nexthdr == NEXTHDR_FRAGMENT) {
				/* A later fragment: no L4 header to read. */
				if (*(__be16 *)(ext + 2) & bpf_htons(0xfff8)) {
					flow->protocol = ext[0];
					return true;
				}
				nexthdr = ext[0];
				ext += 8;
			} else {
				nexthdr = ext[0];
				ext += (ext[1] + 1) * 8;
			}
		}
		flow->protocol = nexthdr;
		flow->dport = l4_dport(ext, data_end, nexthdr);
		return true;
	}
	return false;
}

static __always_inline __u32 lookup_identity(const struct flow *flow, const union v6addr *addr)
{
	struct ipcache_key key = {
		.family = flow->family,
	};
	struct remote_endpoint_info *info;

	if (flow->family == ENDPOINT_KEY_IPV4) {
		key.lpm.prefixlen = IPCACHE_PREFIX_EXTRA + 32;
		key.ip4 = addr->p[0];
	} else {
		key.lpm.prefixlen = IPCACHE_PREFIX_EXTRA + 128;
		key.ip6 = *addr;
	}
	info = bpf_map_lookup_elem(&ipcache, &key);
	return info ? info->sec_identity : WORLD_ID;
}

/* The rule for `key` with the remote identity, else the one for any identity. */
static __always_inline struct policy_entry *identity_or_any_lookup(struct policy_key *key, __u32 identity)
{
	struct policy_entry *entry;

	key->sec_label = identity;
	entry = bpf_map_lookup_elem(&ep_policy, key);
	if (entry)
		return entry;
	key->sec_label = IDENTITY_ANY;
	return bpf_map_lookup_elem(&ep_policy, key);
}

/* Cilium's order: L3+L4, L4 only, L3+protocol, protocol only, L3 only, everything. */
static __always_inline struct policy_entry *policy_lookup(__u32 identity, enum direction dir,
							   const struct flow *flow)
{
	struct policy_key key = {
		.sec_label = identity,
		.egress = dir,
		.protocol = flow->protocol,
		.dport = flow->dport,
	};
	struct policy_entry *entry;

	if (flow->dport) {
		entry = identity_or_any_lookup(&key, identity);
		if (entry)
			return entry;
		key.dport = 0;
	}
	entry = identity_or_any_lookup(&key, identity);
	if (entry)
		return entry;
	key.protocol = 0;
	return identity_or_any_lookup(&key, identity);
}

static __always_inline bool is_endpoint_address(const struct flow *flow)
{
	const union v6addr lxc_ip6 = { .addr = { LXC_IPV6 } };

	if (flow->family == ENDPOINT_KEY_IPV4)
		return flow->saddr.p[0] == bpf_htonl(LXC_IPV4);
	return flow->saddr.p[0] == lxc_ip6.p[0] && flow->saddr.p[1] == lxc_ip6.p[1] &&
	       flow->saddr.p[2] == lxc_ip6.p[2] && flow->saddr.p[3] == lxc_ip6.p[3];
}

/* Neighbour discovery and multicast listener reports are the link's business, not policy's. */
static __always_inline bool is_link_housekeeping(const struct flow *flow)
{
	__u8 type = bpf_ntohs(flow->dport);

	if (flow->family != ENDPOINT_KEY_IPV6 || flow->protocol != IPPROTO_ICMPV6)
		return false;
	return (type >= ICMPV6_MGM_QUERY && type <= ICMPV6_MGM_REDUCTION) || type == ICMPV6_MLD2_REPORT ||
	       (type >= NDISC_ROUTER_SOLICITATION && type <= NDISC_REDIRECT);
}

static __always_inline int enforce(struct __sk_buff *skb, enum direction dir)
{
	struct flow flow = {};
	struct policy_entry *entry;
	enum reason reason;
	__u32 remote;

	if (!parse_flow(skb, &flow)) {
		count(dir, REASON_NOT_IP);
		return TC_ACT_OK;
	}
	if (is_link_housekeeping(&flow))
		return TC_ACT_OK;
	if (dir == DIR_EGRESS && !is_endpoint_address(&flow)) {
		count(dir, REASON_SPOOFED);
		return TC_ACT_SHOT;
	}

	remote = lookup_identity(&flow, dir == DIR_INGRESS ? &flow.saddr : &flow.daddr);
	entry = policy_lookup(remote, dir, &flow);
	if (entry && !entry->deny) {
		__sync_fetch_and_add(&entry->packets, 1);
		__sync_fetch_and_add(&entry->bytes, skb->len);
		reason = REASON_ALLOWED;
	} else {
		reason = entry ? REASON_DENIED : REASON_NO_POLICY;
	}

	if (dir == DIR_INGRESS)
		log_flow(remote, SECLABEL, &flow, reason);
	else
		log_flow(SECLABEL, remote, &flow, reason);
	count(dir, reason);
	if (reason == REASON_ALLOWED)
		return TC_ACT_OK;
	if (POLICY_AUDIT_MODE) {
		count(dir, REASON_AUDITED);
		return TC_ACT_OK;
	}
	return TC_ACT_SHOT;
}

SEC("tc/ingress")
int policy_ingress(struct __sk_buff *skb)
{
	return enforce(skb, DIR_INGRESS);
}

SEC("tc/egress")
int policy_egress(struct __sk_buff *skb)
{
	return enforce(skb, DIR_EGRESS);
}

char _license[] SEC("license") = "GPL";
