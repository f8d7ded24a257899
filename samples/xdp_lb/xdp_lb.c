// xdp_lb: a layer 3/4 load balancer in XDP with direct server return.
//
// A packet to a service (VIP, port, protocol) goes to one of the service's
// backends: a hash of its 5-tuple picks a slot of the service's Maglev table,
// so every packet of a flow reaches the same backend, and a change of the
// backend set moves few flows.  The packet is wrapped in an outer IPv4 header
// to the backend (IP-in-IP, protocol 4) and sent back out of the interface it
// came in on (XDP_TX: a one-armed balancer, the next hop's MAC from the
// kernel's FIB).  The backend strips the outer header (xdp_decap.c) and
// answers the client directly from the VIP, so replies bypass the balancer.
//
// The balancer answers pings to a VIP itself, drops other traffic to a VIP,
// and passes everything else to the stack.  IPv4 only.
#include <stddef.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "lb.h"

#define AF_INET 2
#define IP_DF 0x4000
#define IP_MF_OFFSET 0x3fff
#define ICMP_ECHOREPLY 0
#define ICMP_ECHO 8

/* <linux/icmp.h> pulls in libc's socket headers, which are not for BPF. */
struct icmphdr {
	__u8 type;
	__u8 code;
	__sum16 checksum;
	__be16 id;
	__be16 sequence;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct lb_service_key);
	__type(value, struct lb_service);
	__uint(max_entries, LB_MAX_SERVICES);
} lb_services SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct lb_maglev_table);
	__uint(max_entries, LB_MAX_SERVICES);
} lb_maglev SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, struct lb_backend);
	__uint(max_entries, LB_MAX_BACKENDS);
} lb_backends SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct lb_counter);
	__uint(max_entries, LB_STAT_MAX);
} lb_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct lb_counter);
	__uint(max_entries, LB_MAX_BACKENDS);
} lb_backend_ctrs SEC(".maps");

/* The ports of TCP and UDP alike. */
struct l4_ports {
	__be16 source;
	__be16 dest;
};

static __always_inline void count(void *map, __u32 index, __u64 bytes)
{
	struct lb_counter *c = bpf_map_lookup_elem(map, &index);

	if (c) {
		c->packets++;
		c->bytes += bytes;
	}
}

static __always_inline int drop(enum lb_stat why, __u64 bytes)
{
	count(&lb_stats, why, bytes);
	return XDP_DROP;
}

static __always_inline __u16 csum_fold(__u32 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return ~sum;
}

/* Incremental update of a checksum for one changed 16-bit word (RFC 1624, eqn. 3). */
static __always_inline void csum_replace2(__sum16 *sum, __be16 old, __be16 new)
{
	*sum = csum_fold((__u16)~*sum + (__u16)~old + new);
}

static __always_inline __u16 ipv4_csum(const struct iphdr *ip)
{
	const __u16 *word = (const __u16 *)ip;
	__u32 sum = 0;

	for (int i = 0; i < (int)(sizeof(*ip) / 2); i++)
		sum += word[i];
	return csum_fold(sum);
}

static __always_inline __u32 rol32(__u32 word, unsigned int shift)
{
	return (word << shift) | (word >> (32 - shift));
}

/* Bob Jenkins' lookup3 final mix, as the kernel's jhash_3words(). */
static __always_inline __u32 jhash_3words(__u32 a, __u32 b, __u32 c, __u32 initval)
{
	initval += 0xdeadbeef + (3 << 2);
	a += initval;
	b += initval;
	c += initval;
	c ^= b; c -= rol32(b, 14);
	a ^= c; a -= rol32(c, 11);
	b ^= a; b -= rol32(a, 25);
	c ^= b; c -= rol32(b, 16);
	a ^= c; a -= rol32(c, 4);
	b ^= a; b -= rol32(a, 14);
	c ^= b; c -= rol32(b, 24);
	return c;
}

/* The flow's hash over the header words as they lie in the packet. */
static __always_inline __u32 flow_hash(const struct iphdr *ip, const struct l4_ports *ports)
{
	return jhash_3words(ip->saddr, ip->daddr, *(const __u32 *)ports, LB_HASH_SEED ^ ip->protocol);
}

static __always_inline int is_vip(__be32 addr)
{
	struct lb_service_key key = { .vip = addr };

	return bpf_map_lookup_elem(&lb_services, &key) != NULL;
}

/* Turn an echo request to a VIP into the reply, in place. */
static __always_inline int echo_reply(struct ethhdr *eth, struct iphdr *ip, struct icmphdr *icmp, __u64 bytes)
{
	__u8 mac[ETH_ALEN];
	__be32 addr = ip->saddr;
	__be16 old_ttl = *(__be16 *)&ip->ttl;

	__builtin_memcpy(mac, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, mac, ETH_ALEN);
	ip->saddr = ip->daddr;
	ip->daddr = addr;
	ip->ttl = LB_OUTER_TTL;
	csum_replace2(&ip->check, old_ttl, *(__be16 *)&ip->ttl);
	icmp->type = ICMP_ECHOREPLY;
	csum_replace2(&icmp->checksum, bpf_htons(ICMP_ECHO << 8), bpf_htons(ICMP_ECHOREPLY << 8));
	count(&lb_stats, LB_STAT_ECHO_REPLY, bytes);
	return XDP_TX;
}

/* Everything that is not TCP or UDP to a service. */
static __always_inline int not_a_service(struct ethhdr *eth, struct iphdr *ip, void *l4, void *data_end,
					 __u64 bytes)
{
	struct icmphdr *icmp = l4;

	if (!is_vip(ip->daddr))
		return XDP_PASS;
	if (ip->frag_off & bpf_htons(IP_MF_OFFSET))
		return drop(LB_STAT_FRAGMENT, bytes);
	if (ip->protocol == IPPROTO_ICMP && (void *)(icmp + 1) <= data_end &&
	    icmp->type == ICMP_ECHO && icmp->code == 0)
		return echo_reply(eth, ip, icmp, bytes);
	return drop(LB_STAT_UNKNOWN_PORT, bytes);
}

/* Wrap the packet in an IPv4 header to the backend; the next hop's MACs come from `fib`. */
static __always_inline int encapsulate(struct xdp_md *ctx, const struct bpf_fib_lookup *fib, __be32 backend)
{
	void *data, *data_end;
	struct ethhdr *eth;
	struct iphdr *outer, *inner;
	struct iphdr hdr = {
		.version = 4,
		.ihl = sizeof(hdr) / 4,
		.ttl = LB_OUTER_TTL,
		.protocol = IPPROTO_IPIP,
		.saddr = LB_IPV4,
		.daddr = backend,
	};

	if (bpf_xdp_adjust_head(ctx, -(int)sizeof(*outer)))
		return XDP_ABORTED;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	eth = data;
	outer = (void *)(eth + 1);
	inner = outer + 1;
	if ((void *)(inner + 1) > data_end)
		return XDP_ABORTED;

	hdr.tos = inner->tos;
	hdr.tot_len = bpf_htons(bpf_ntohs(inner->tot_len) + sizeof(hdr));
	hdr.frag_off = inner->frag_off & bpf_htons(IP_DF);
	hdr.check = ipv4_csum(&hdr);
	*outer = hdr;

	__builtin_memcpy(eth->h_dest, fib->dmac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, fib->smac, ETH_ALEN);
	eth->h_proto = bpf_htons(ETH_P_IP);
	return XDP_TX;
}

SEC("xdp")
int xdp_lb(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u64 bytes = data_end - data;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	struct lb_service_key key = {};
	struct bpf_fib_lookup fib = {};
	struct lb_maglev_table *table;
	struct lb_backend *backend;
	struct lb_service *svc;
	struct l4_ports *ports;
	__u32 backend_id, slot;
	void *l4;

	if ((void *)(ip + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	if (ip->version != 4 || ip->ihl < 5)
		return XDP_PASS;
	l4 = (void *)ip + ip->ihl * 4;
	ports = l4;
	if ((void *)(ports + 1) > data_end)
		return XDP_PASS;
	if ((ip->protocol != IPPROTO_TCP && ip->protocol != IPPROTO_UDP) ||
	    (ip->frag_off & bpf_htons(IP_MF_OFFSET)))
		return not_a_service(eth, ip, l4, data_end, bytes);

	key.vip = ip->daddr;
	key.dport = ports->dest;
	key.proto = ip->protocol;
	svc = bpf_map_lookup_elem(&lb_services, &key);
	if (!svc)
		return not_a_service(eth, ip, l4, data_end, bytes);
	if (!svc->backend_count)
		return drop(LB_STAT_NO_BACKEND, bytes);

	table = bpf_map_lookup_elem(&lb_maglev, &svc->id);
	if (!table)
		return drop(LB_STAT_NO_BACKEND, bytes);
	/* The verifier does not bound a remainder: check it after hiding it from LLVM. */
	slot = flow_hash(ip, ports) % LB_MAGLEV_SIZE;
	barrier_var(slot);
	if (slot >= LB_MAGLEV_SIZE)
		return drop(LB_STAT_NO_BACKEND, bytes);
	backend_id = table->backend_ids[slot];
	backend = bpf_map_lookup_elem(&lb_backends, &backend_id);
	if (!backend || backend_id >= LB_MAX_BACKENDS)
		return drop(LB_STAT_NO_BACKEND, bytes);

	/* The route and neighbour towards the backend, looked up as for a packet the
	 * balancer sends itself (the kernel answers only if the interface forwards);
	 * it must leave through the interface the packet came in on. */
	fib.family = AF_INET;
	fib.tos = ip->tos;
	fib.l4_protocol = IPPROTO_IPIP;
	fib.tot_len = bpf_ntohs(ip->tot_len) + sizeof(*ip);
	fib.ipv4_src = LB_IPV4;
	fib.ipv4_dst = backend->address;
	fib.ifindex = ctx->ingress_ifindex;
	if (bpf_fib_lookup(ctx, &fib, sizeof(fib), BPF_FIB_LOOKUP_OUTPUT) != BPF_FIB_LKUP_RET_SUCCESS ||
	    fib.ifindex != ctx->ingress_ifindex)
		return drop(LB_STAT_NO_ROUTE, bytes);

	count(&lb_stats, LB_STAT_FORWARDED, bytes);
	count(&lb_backend_ctrs, backend_id, bytes);
	return encapsulate(ctx, &fib, backend->address);
}

char _license[] SEC("license") = "GPL";
