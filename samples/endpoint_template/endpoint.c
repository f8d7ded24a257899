// endpoint: the datapath of one container endpoint, templated per endpoint.
//
// Attached to the host side of the endpoint's veth: from_container at tc
// ingress sees what the endpoint sends, to_container at tc egress what is
// delivered to it.  Outbound, the endpoint may only use its own MAC and IPv4
// address (in ARP too), and its packets leave stamped with its security
// identity in skb->mark.  Inbound, the sender's identity (that stamp, or
// "world" for anything from outside the node) must be allowed by the
// endpoint's policy map, unless the endpoint's policy is allow-all.
//
// As Cilium does, build.py compiles this source once per endpoint with the
// endpoint's configuration as constants:
//   EP_ID        endpoint id, present in every templated build
//   EP_MAC       { .addr = { 0x02, ... } }
//   EP_IPV4      IPV4(a, b, c, d)
//   EP_IDENTITY  security identity
//   EP_POLICY    POLICY_ALLOW (no enforcement) or POLICY_DENY (default deny)
// load_config() then builds a constant struct and every test of it folds
// away: the object reads no configuration at run time.  Built without EP_ID,
// the same source is the generic object, which reads its configuration from
// the ep_config map that the agent fills for each attachment.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#define IPV4(a, b, c, d) bpf_htonl((__u32)(a) << 24 | (__u32)(b) << 16 | (__u32)(c) << 8 | (d))

#define POLICY_ALLOW 0
#define POLICY_DENY 1

#define WORLD_ID 2
/* skb->mark of a packet an endpoint sent: identity in the upper 16 bits. */
#define MARK_MAGIC_MASK 0x0f00
#define MARK_MAGIC_IDENTITY 0x0f00

#define ARPHRD_ETHER 1
#define IP_OFFSET 0x1fff

union macaddr {
	struct {
		__u32 p1;
		__u16 p2;
	};
	__u8 addr[ETH_ALEN];
};

struct ep_config {
	union macaddr mac;
	__be32 ipv4;
	__u32 identity;
	__u32 policy;
};

/* What the policy map allows: traffic from an identity to a port (0: any
 * port; ICMP has none) of an IP protocol. */
struct policy_key {
	__u32 identity;
	__be16 dport;
	__u8 proto;
	__u8 pad;
};

struct policy_entry {
	__u64 packets;
};

enum ep_metric {
	METRIC_SENT,             /* from_container: left the endpoint */
	METRIC_SPOOFED_MAC,      /* from_container: not the endpoint's MAC */
	METRIC_SPOOFED_IP,       /* from_container: not the endpoint's address */
	METRIC_UNSUPPORTED,      /* neither ARP nor IPv4 (this endpoint is IPv4 only) */
	METRIC_DELIVERED,        /* to_container: let in */
	METRIC_POLICY_DENIED,    /* to_container: no policy entry allows it */
	METRIC_NOT_OURS,         /* to_container: addressed to someone else */
	METRIC_MAX,
};

/* ARP for IPv4 over Ethernet; <linux/if_arp.h> drags in libc. */
struct arp_eth {
	__be16 ar_hrd;
	__be16 ar_pro;
	__u8 ar_hln;
	__u8 ar_pln;
	__be16 ar_op;
	__u8 ar_sha[ETH_ALEN];
	__u8 ar_sip[4];
	__u8 ar_tha[ETH_ALEN];
	__u8 ar_tip[4];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct policy_key);
	__type(value, struct policy_entry);
	__uint(max_entries, 1024);
} ep_policy SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, METRIC_MAX);
} ep_metrics SEC(".maps");

#ifdef EP_ID
#if !defined(EP_MAC) || !defined(EP_IPV4) || !defined(EP_IDENTITY) || !defined(EP_POLICY)
#error "a templated endpoint needs EP_MAC, EP_IPV4, EP_IDENTITY and EP_POLICY"
#endif

static __always_inline int load_config(struct ep_config *cfg)
{
	*cfg = (struct ep_config){
		.mac = EP_MAC,
		.ipv4 = EP_IPV4,
		.identity = EP_IDENTITY,
		.policy = EP_POLICY,
	};
	return 0;
}
#else
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct ep_config);
	__uint(max_entries, 1);
} ep_config SEC(".maps");

static __always_inline int load_config(struct ep_config *cfg)
{
	__u32 zero = 0;
	struct ep_config *stored = bpf_map_lookup_elem(&ep_config, &zero);

	if (!stored)
		return -1;
	*cfg = *stored;
	return 0;
}
#endif

static __always_inline int count(enum ep_metric what, int verdict)
{
	__u32 index = what;
	__u64 *n = bpf_map_lookup_elem(&ep_metrics, &index);

	if (n)
		(*n)++;
	return verdict;
}

static __always_inline int mac_equal(const __u8 *mac, const union macaddr *want)
{
	return *(const __u32 *)mac == want->p1 && *(const __u16 *)(mac + 4) == want->p2;
}

SEC("from-container")
int from_container(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	struct ep_config cfg;

	if (load_config(&cfg) || (void *)(eth + 1) > data_end)
		return TC_ACT_SHOT;
	if (!mac_equal(eth->h_source, &cfg.mac))
		return count(METRIC_SPOOFED_MAC, TC_ACT_SHOT);

	if (eth->h_proto == bpf_htons(ETH_P_ARP)) {
		struct arp_eth *arp = (void *)(eth + 1);

		if ((void *)(arp + 1) > data_end || arp->ar_hrd != bpf_htons(ARPHRD_ETHER) ||
		    arp->ar_pro != bpf_htons(ETH_P_IP) || !mac_equal(arp->ar_sha, &cfg.mac) ||
		    *(__be32 *)arp->ar_sip != cfg.ipv4)
			return count(METRIC_SPOOFED_IP, TC_ACT_SHOT);
		return count(METRIC_SENT, TC_ACT_OK);
	}
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = (void *)(eth + 1);

		if ((void *)(ip + 1) > data_end || ip->saddr != cfg.ipv4)
			return count(METRIC_SPOOFED_IP, TC_ACT_SHOT);
		skb->mark = cfg.identity << 16 | MARK_MAGIC_IDENTITY;
		return count(METRIC_SENT, TC_ACT_OK);
	}
	return count(METRIC_UNSUPPORTED, TC_ACT_SHOT);
}

static __always_inline __u32 source_identity(const struct __sk_buff *skb)
{
	if ((skb->mark & MARK_MAGIC_MASK) == MARK_MAGIC_IDENTITY)
		return skb->mark >> 16;
	return WORLD_ID;
}

static __always_inline int policy_allows(struct policy_key *key)
{
	struct policy_entry *entry = bpf_map_lookup_elem(&ep_policy, key);

	if (!entry && key->dport) {
		key->dport = 0;
		entry = bpf_map_lookup_elem(&ep_policy, key);
	}
	if (!entry)
		return 0;
	__sync_fetch_and_add(&entry->packets, 1);
	return 1;
}

SEC("to-container")
int to_container(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	struct policy_key key = {};
	struct ep_config cfg;

	if (load_config(&cfg) || (void *)(eth + 1) > data_end)
		return TC_ACT_SHOT;
	if (eth->h_proto == bpf_htons(ETH_P_ARP))
		return TC_ACT_OK;
	if (eth->h_proto != bpf_htons(ETH_P_IP))
		return count(METRIC_UNSUPPORTED, TC_ACT_SHOT);
	if ((void *)(ip + 1) > data_end || ip->daddr != cfg.ipv4)
		return count(METRIC_NOT_OURS, TC_ACT_SHOT);
	if (cfg.policy == POLICY_ALLOW)
		return count(METRIC_DELIVERED, TC_ACT_OK);

	key.identity = source_identity(skb);
	key.proto = ip->protocol;
	if ((ip->protocol == IPPROTO_TCP || ip->protocol == IPPROTO_UDP) && !(ip->frag_off & bpf_htons(IP_OFFSET))) {
		/* Both put the destination port at offset 2. */
		__be16 *ports = (void *)ip + ip->ihl * 4;

		if ((void *)(ports + 2) > data_end)
			return count(METRIC_POLICY_DENIED, TC_ACT_SHOT);
		key.dport = ports[1];
	}
	if (!policy_allows(&key))
		return count(METRIC_POLICY_DENIED, TC_ACT_SHOT);
	return count(METRIC_DELIVERED, TC_ACT_OK);
}

char _license[] SEC("license") = "GPL";
