// tc_tunnel: an overlay between nodes, as Cilium's tunnel mode builds one.
//
// Every node owns a pod prefix; the prefixes of the other nodes are reached
// through a tunnel to the node that owns them.  tunnel_map, an LPM trie from
// pod prefix to node, says which node (its underlay address), the local
// underlay address to send from, the VNI, and the encapsulation:
//
//   VXLAN     vxlan_egress, at tc egress of a collect-metadata ("external")
//             VXLAN device, only attaches the tunnel key (remote node, VNI)
//             with bpf_skb_set_tunnel_key; the device builds the headers.
//             vxlan_ingress, at the device's ingress, reads the key back and
//             accepts a packet only if its tunnel came from the node that
//             owns the packet's source prefix, with the VNI of the tunnel
//             to that node (both ends configure the same).
//   IP-in-IP  ipip_egress, at tc egress of the underlay device, makes room
//             with bpf_skb_adjust_room and writes the outer IPv4 header
//             itself; ipip_ingress, at the underlay's ingress, checks the
//             outer header the same way and strips it.
//
// Traffic the map does not cover passes untouched (on the VXLAN device, where
// every packet needs a key, it is dropped).  IPv4 only.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#define TUNNEL_TTL 64
#define IP_DF 0x4000
#define IP_MF_OFFSET 0x3fff

enum tunnel_mode {
	TUNNEL_VXLAN = 1,
	TUNNEL_IPIP = 2,
};

struct tunnel_prefix {
	__u32 prefixlen;  /* LPM trie keys start with the prefix length */
	__be32 addr;
};

struct tunnel_endpoint {
	__be32 remote;    /* underlay address of the node that owns the prefix */
	__be32 local;     /* our underlay address towards it */
	__u32 vni;
	__u32 mode;       /* enum tunnel_mode */
};

enum tunnel_stat {
	STAT_VXLAN_ENCAP,
	STAT_VXLAN_DECAP,
	STAT_IPIP_ENCAP,
	STAT_IPIP_DECAP,
	STAT_NO_TUNNEL,   /* on the VXLAN device, but no VXLAN tunnel for the destination */
	STAT_SPOOFED,     /* came through a tunnel that does not own its source prefix */
	STAT_ERROR,       /* a helper failed */
	STAT_MAX,
};

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__type(key, struct tunnel_prefix);
	__type(value, struct tunnel_endpoint);
	__uint(max_entries, 1024);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} tunnel_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, STAT_MAX);
} tunnel_stats SEC(".maps");

static __always_inline int count(enum tunnel_stat what, int verdict)
{
	__u32 index = what;
	__u64 *n = bpf_map_lookup_elem(&tunnel_stats, &index);

	if (n)
		(*n)++;
	return verdict;
}

static __always_inline struct tunnel_endpoint *tunnel_for(__be32 addr, enum tunnel_mode mode)
{
	struct tunnel_prefix key = { .prefixlen = 32, .addr = addr };
	struct tunnel_endpoint *ep = bpf_map_lookup_elem(&tunnel_map, &key);

	return ep && ep->mode == mode ? ep : NULL;
}

/* The IPv4 header after the Ethernet header, or NULL. */
static __always_inline struct iphdr *ipv4_header(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);

	if ((void *)(ip + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP) || ip->version != 4)
		return NULL;
	return ip;
}

static __always_inline __u16 csum_fold(__u32 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return ~sum;
}

static __always_inline __u16 ipv4_csum(const struct iphdr *ip)
{
	const __u16 *word = (const __u16 *)ip;
	__u32 sum = 0;

	for (int i = 0; i < (int)(sizeof(*ip) / 2); i++)
		sum += word[i];
	return csum_fold(sum);
}

SEC("vxlan-egress")
int vxlan_egress(struct __sk_buff *skb)
{
	struct iphdr *ip = ipv4_header(skb);
	struct tunnel_endpoint *ep;
	struct bpf_tunnel_key key = {};

	if (!ip)
		return count(STAT_NO_TUNNEL, TC_ACT_SHOT);
	ep = tunnel_for(ip->daddr, TUNNEL_VXLAN);
	if (!ep)
		return count(STAT_NO_TUNNEL, TC_ACT_SHOT);
	key.remote_ipv4 = bpf_ntohl(ep->remote);
	key.local_ipv4 = bpf_ntohl(ep->local);
	key.tunnel_id = ep->vni;
	key.tunnel_tos = ip->tos;
	key.tunnel_ttl = TUNNEL_TTL;
	if (bpf_skb_set_tunnel_key(skb, &key, sizeof(key), BPF_F_ZERO_CSUM_TX))
		return count(STAT_ERROR, TC_ACT_SHOT);
	return count(STAT_VXLAN_ENCAP, TC_ACT_OK);
}

SEC("vxlan-ingress")
int vxlan_ingress(struct __sk_buff *skb)
{
	struct iphdr *ip = ipv4_header(skb);
	struct tunnel_endpoint *ep;
	struct bpf_tunnel_key key;

	if (bpf_skb_get_tunnel_key(skb, &key, sizeof(key), 0))
		return count(STAT_ERROR, TC_ACT_SHOT);
	if (!ip)
		return count(STAT_SPOOFED, TC_ACT_SHOT);
	ep = tunnel_for(ip->saddr, TUNNEL_VXLAN);
	if (!ep || ep->remote != bpf_htonl(key.remote_ipv4) || ep->vni != key.tunnel_id)
		return count(STAT_SPOOFED, TC_ACT_SHOT);
	return count(STAT_VXLAN_DECAP, TC_ACT_OK);
}

SEC("ipip-egress")
int ipip_egress(struct __sk_buff *skb)
{
	struct iphdr *ip = ipv4_header(skb);
	struct tunnel_endpoint *ep;
	struct iphdr outer = {
		.version = 4,
		.ihl = sizeof(outer) / 4,
		.ttl = TUNNEL_TTL,
		.protocol = IPPROTO_IPIP,
	};

	if (!ip)
		return TC_ACT_OK;
	ep = tunnel_for(ip->daddr, TUNNEL_IPIP);
	if (!ep)
		return TC_ACT_OK;
	outer.tos = ip->tos;
	outer.tot_len = bpf_htons(bpf_ntohs(ip->tot_len) + sizeof(outer));
	outer.frag_off = ip->frag_off & bpf_htons(IP_DF);
	outer.saddr = ep->local;
	outer.daddr = ep->remote;
	outer.check = ipv4_csum(&outer);

	/* Room between the MAC header and the packet; the flag marks the skb as
	 * IP-in-IP so that segmentation offloads still work on it. */
	if (bpf_skb_adjust_room(skb, sizeof(outer), BPF_ADJ_ROOM_MAC, BPF_F_ADJ_ROOM_ENCAP_L3_IPV4) ||
	    bpf_skb_store_bytes(skb, ETH_HLEN, &outer, sizeof(outer), 0))
		return count(STAT_ERROR, TC_ACT_SHOT);
	return count(STAT_IPIP_ENCAP, TC_ACT_OK);
}

SEC("ipip-ingress")
int ipip_ingress(struct __sk_buff *skb)
{
	void *data_end = (void *)(long)skb->data_end;
	struct iphdr *outer = ipv4_header(skb);
	struct iphdr *inner;
	struct tunnel_endpoint *ep;

	if (!outer || outer->protocol != IPPROTO_IPIP)
		return TC_ACT_OK;
	inner = outer + 1;
	if (outer->ihl != 5 || (outer->frag_off & bpf_htons(IP_MF_OFFSET)) || (void *)(inner + 1) > data_end)
		return count(STAT_SPOOFED, TC_ACT_SHOT);
	ep = tunnel_for(inner->saddr, TUNNEL_IPIP);
	if (!ep || ep->remote != outer->saddr || ep->local != outer->daddr)
		return count(STAT_SPOOFED, TC_ACT_SHOT);
	if (bpf_skb_adjust_room(skb, -(int)sizeof(*outer), BPF_ADJ_ROOM_MAC, 0))
		return count(STAT_ERROR, TC_ACT_SHOT);
	return count(STAT_IPIP_DECAP, TC_ACT_OK);
}

char _license[] SEC("license") = "GPL";
