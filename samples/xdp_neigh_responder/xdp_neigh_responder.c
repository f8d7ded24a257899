// xdp_neigh_responder: answers ARP requests and IPv6 neighbour solicitations
// for configured addresses in XDP, as Cilium answers its endpoints' ARP and
// ND for the gateway address without involving the stack.
//
// arp_entries maps an IPv4 address and nd_entries an IPv6 address to the MAC
// to announce.  A request for a configured address is turned into the reply
// in place and sent back out of the interface (XDP_TX); everything else,
// including requests for other addresses, goes to the stack.  Neighbour
// advertisements carry the target link-layer address option, the Router flag
// when the entry says so, and an ICMPv6 checksum over the IPv6 pseudo-header.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/icmpv6.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/ipv6.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#define ARPHRD_ETHER 1
#define ARPOP_REQUEST 1
#define ARPOP_REPLY 2
#define NDISC_NEIGHBOUR_SOLICITATION 135
#define NDISC_NEIGHBOUR_ADVERTISEMENT 136
#define ND_OPT_SOURCE_LL_ADDR 1
#define ND_OPT_TARGET_LL_ADDR 2
#define ND_HOP_LIMIT 255

/* NEIGH_F_ROUTER: advertise the address as a router's (the NA's R flag). */
#define NEIGH_F_ROUTER 1

struct neigh_entry {
	__u8 mac[ETH_ALEN];
	__u16 flags;
};

/* ARP for IPv4 over Ethernet (RFC 826); <linux/if_arp.h> drags in libc. */
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

/* A neighbour solicitation or advertisement (RFC 4861, 4.3 and 4.4) with the
 * one link-layer address option an advertisement carries. */
struct nd_msg {
	struct icmp6hdr icmph;
	struct in6_addr target;
};

struct nd_opt_lladdr {
	__u8 type;
	__u8 len;  /* in units of 8 bytes */
	__u8 mac[ETH_ALEN];
};

struct nd_advert {
	struct nd_msg msg;
	struct nd_opt_lladdr opt;
};

enum neigh_stat {
	NEIGH_STAT_ARP_REPLY,
	NEIGH_STAT_NA_UNICAST,    /* answer to an address resolution */
	NEIGH_STAT_NA_MULTICAST,  /* answer to duplicate address detection */
	NEIGH_STAT_MAX,
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __be32);
	__type(value, struct neigh_entry);
	__uint(max_entries, 256);
} arp_entries SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct in6_addr);
	__type(value, struct neigh_entry);
	__uint(max_entries, 256);
} nd_entries SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, NEIGH_STAT_MAX);
} neigh_stats SEC(".maps");

static const __u8 all_nodes_mac[ETH_ALEN] = { 0x33, 0x33, 0, 0, 0, 1 };

static __always_inline int count(enum neigh_stat what)
{
	__u32 index = what;
	__u64 *n = bpf_map_lookup_elem(&neigh_stats, &index);

	if (n)
		(*n)++;
	return XDP_TX;
}

static __always_inline int arp_reply(struct ethhdr *eth, void *data_end)
{
	struct arp_eth *arp = (void *)(eth + 1);
	struct neigh_entry *entry;
	__be32 sip, tip;

	if ((void *)(arp + 1) > data_end)
		return XDP_PASS;
	if (arp->ar_hrd != bpf_htons(ARPHRD_ETHER) || arp->ar_pro != bpf_htons(ETH_P_IP) ||
	    arp->ar_hln != ETH_ALEN || arp->ar_pln != 4 || arp->ar_op != bpf_htons(ARPOP_REQUEST))
		return XDP_PASS;
	__builtin_memcpy(&sip, arp->ar_sip, sizeof(sip));
	__builtin_memcpy(&tip, arp->ar_tip, sizeof(tip));
	/* A gratuitous ARP announces the sender's own address and wants no answer. */
	if (sip == tip)
		return XDP_PASS;
	entry = bpf_map_lookup_elem(&arp_entries, &tip);
	if (!entry)
		return XDP_PASS;

	arp->ar_op = bpf_htons(ARPOP_REPLY);
	__builtin_memcpy(arp->ar_tha, arp->ar_sha, ETH_ALEN);
	__builtin_memcpy(arp->ar_tip, &sip, sizeof(sip));
	__builtin_memcpy(arp->ar_sha, entry->mac, ETH_ALEN);
	__builtin_memcpy(arp->ar_sip, &tip, sizeof(tip));
	__builtin_memcpy(eth->h_dest, arp->ar_tha, ETH_ALEN);
	__builtin_memcpy(eth->h_source, entry->mac, ETH_ALEN);
	return count(NEIGH_STAT_ARP_REPLY);
}

static __always_inline __u16 csum_fold(__u32 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return ~sum;
}

/* The one's-complement sum of `len` bytes (even) as 16-bit words in memory order. */
static __always_inline __u32 csum_add(__u32 sum, const void *p, int len)
{
	const __u16 *word = p;

	for (int i = 0; i < len / 2; i++)
		sum += word[i];
	return sum;
}

static __always_inline int is_unspecified(const struct in6_addr *a)
{
	return !(a->in6_u.u6_addr32[0] | a->in6_u.u6_addr32[1] | a->in6_u.u6_addr32[2] | a->in6_u.u6_addr32[3]);
}

static __always_inline int nd_advert(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct ipv6hdr *ip6 = (void *)(eth + 1);
	struct nd_msg *ns = (void *)(ip6 + 1);
	struct nd_advert *na;
	struct neigh_entry *entry;
	struct in6_addr target, dst;
	__u8 dmac[ETH_ALEN];
	int dad;

	if ((void *)(ns + 1) > data_end || ip6->nexthdr != IPPROTO_ICMPV6)
		return XDP_PASS;
	/* RFC 4861 7.1.1: only a solicitation no router has forwarded is valid. */
	if (ip6->hop_limit != ND_HOP_LIMIT || ns->icmph.icmp6_type != NDISC_NEIGHBOUR_SOLICITATION ||
	    ns->icmph.icmp6_code != 0 || bpf_ntohs(ip6->payload_len) < sizeof(*ns) ||
	    ns->target.in6_u.u6_addr8[0] == 0xff)
		return XDP_PASS;
	entry = bpf_map_lookup_elem(&nd_entries, &ns->target);
	if (!entry)
		return XDP_PASS;

	/* Duplicate address detection solicits from "::"; the answer goes to all nodes. */
	dad = is_unspecified(&ip6->saddr);
	if (dad && ip6->daddr.in6_u.u6_addr8[0] != 0xff)
		return XDP_PASS;
	target = ns->target;
	if (dad) {
		__builtin_memset(&dst, 0, sizeof(dst));
		dst.in6_u.u6_addr8[0] = 0xff;
		dst.in6_u.u6_addr8[1] = 0x02;
		dst.in6_u.u6_addr8[15] = 0x01;
		__builtin_memcpy(dmac, all_nodes_mac, ETH_ALEN);
	} else {
		dst = ip6->saddr;
		__builtin_memcpy(dmac, eth->h_source, ETH_ALEN);
	}

	/* The advertisement has exactly one option; the solicitation may have had any. */
	if (bpf_xdp_adjust_tail(ctx, (int)(sizeof(*eth) + sizeof(*ip6) + sizeof(*na)) - (int)(data_end - data)))
		return XDP_PASS;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	eth = data;
	ip6 = (void *)(eth + 1);
	na = (void *)(ip6 + 1);
	if ((void *)(na + 1) > data_end)
		return XDP_ABORTED;

	__builtin_memcpy(eth->h_dest, dmac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, entry->mac, ETH_ALEN);
	ip6->payload_len = bpf_htons(sizeof(*na));
	ip6->hop_limit = ND_HOP_LIMIT;
	ip6->saddr = target;
	ip6->daddr = dst;

	na->msg.icmph.icmp6_type = NDISC_NEIGHBOUR_ADVERTISEMENT;
	na->msg.icmph.icmp6_code = 0;
	na->msg.icmph.icmp6_cksum = 0;
	na->msg.icmph.icmp6_dataun.un_data32[0] = 0;
	na->msg.icmph.icmp6_router = !!(entry->flags & NEIGH_F_ROUTER);
	na->msg.icmph.icmp6_solicited = !dad;
	na->msg.icmph.icmp6_override = 1;
	na->msg.target = target;
	na->opt.type = ND_OPT_TARGET_LL_ADDR;
	na->opt.len = sizeof(na->opt) / 8;
	__builtin_memcpy(na->opt.mac, entry->mac, ETH_ALEN);

	/* Pseudo-header (RFC 8200 8.1): addresses, upper-layer length, next header. */
	__u32 sum = csum_add(0, &ip6->saddr, 2 * sizeof(struct in6_addr));
	sum += bpf_htons(sizeof(*na)) + bpf_htons(IPPROTO_ICMPV6);
	sum = csum_add(sum, na, sizeof(*na));
	na->msg.icmph.icmp6_cksum = csum_fold(sum);
	return count(dad ? NEIGH_STAT_NA_MULTICAST : NEIGH_STAT_NA_UNICAST);
}

SEC("xdp")
int xdp_neigh_responder(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;

	if ((void *)(eth + 1) > data_end)
		return XDP_PASS;
	if (eth->h_proto == bpf_htons(ETH_P_ARP))
		return arp_reply(eth, data_end);
	if (eth->h_proto == bpf_htons(ETH_P_IPV6))
		return nd_advert(ctx);
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
