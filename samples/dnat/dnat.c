// SPDX-License-Identifier: GPL-2.0
/* Service translation (DNAT with port mapping) for tc, in the manner of Cilium's lb4 datapath.
 *
 * A service is a virtual address and port (VIP:port) for TCP or UDP with a set of backends
 * (address:port).  On the client's device, lb_egress translates a packet to a service: it
 * picks a backend by the flow's hash, rewrites the destination address and port, and fixes the
 * IPv4 header and TCP/UDP checksums incrementally (bpf_l3_csum_replace, bpf_l4_csum_replace
 * with the pseudo-header flag for the address).  lb_ingress undoes it on the replies: the
 * backend's address and port go back to the VIP's, so the client only ever talks to the VIP.
 *
 * The maps, pinned by name for the agent to fill:
 *   lb4_services     (VIP, port, protocol, slot) -> slot 0: backend count and reverse-NAT
 *                    index; slot 1..count: a backend id;
 *   lb4_backends     backend id -> address, port;
 *   lb4_reverse_nat  reverse-NAT index -> VIP, port;
 *   lb4_ct           an LRU connection table: per flow, the service entry (the client's
 *                    tuple, TUPLE_F_SERVICE) keeps the flow on its backend, and the translated
 *                    tuple's entry holds the reverse-NAT index for the replies.
 *
 * Attach lb_egress at tc egress and lb_ingress at tc ingress of the client's device.
 */
#include <stddef.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/pkt_cls.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#ifndef LB_MAP_SIZE
#define LB_MAP_SIZE 65536
#endif
#ifndef CT_MAP_SIZE
#define CT_MAP_SIZE 65536
#endif

#define IP_MF 0x2000
#define IP_OFFSET 0x1fff
#define IP_CSUM_OFF (ETH_HLEN + offsetof(struct iphdr, check))
#define IP_SADDR_OFF (ETH_HLEN + offsetof(struct iphdr, saddr))
#define IP_DADDR_OFF (ETH_HLEN + offsetof(struct iphdr, daddr))

#define TUPLE_F_SERVICE 1

struct lb4_key {
	__be32 address;		/* VIP */
	__be16 dport;
	__u16 backend_slot;	/* 0: the service itself */
	__u8 proto;
	__u8 pad[3];
};

struct lb4_service {
	__u32 backend_id;	/* slots 1..count */
	__u16 count;		/* slot 0 */
	__u16 rev_nat_index;	/* slot 0 */
};

struct lb4_backend {
	__be32 address;
	__be16 port;
	__u8 pad[2];
};

struct lb4_reverse_nat {
	__be32 address;
	__be16 port;
	__u8 pad[2];
};

struct ipv4_ct_tuple {
	__be32 saddr;
	__be32 daddr;
	__be16 sport;
	__be16 dport;
	__u8 proto;
	__u8 flags;		/* TUPLE_F_SERVICE: the client's, untranslated tuple */
	__u8 pad[2];
};

/* The service entry counts the client's packets, the translated flow's entry the replies. */
struct ct_entry {
	__u64 packets;
	__u64 bytes;
	__u32 backend_id;
	__u16 rev_nat_index;
	__u8 pad[2];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, LB_MAP_SIZE);
	__type(key, struct lb4_key);
	__type(value, struct lb4_service);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} lb4_services SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, LB_MAP_SIZE);
	__type(key, __u32);
	__type(value, struct lb4_backend);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} lb4_backends SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, LB_MAP_SIZE);
	__type(key, __u16);
	__type(value, struct lb4_reverse_nat);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} lb4_reverse_nat SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, CT_MAP_SIZE);
	__type(key, struct ipv4_ct_tuple);
	__type(value, struct ct_entry);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} lb4_ct SEC(".maps");

/* Where the L4 ports and checksum are, for the rewrites. */
struct l4_offsets {
	__u32 sport;
	__u32 dport;
	__u32 csum;
	__u64 csum_flags;	/* BPF_F_MARK_MANGLED_0 for UDP: a zero checksum means none */
};

/* Fills the tuple of an IPv4 TCP or UDP packet that is not a fragment; returns -1 otherwise. */
static __always_inline int parse(struct __sk_buff *skb, struct ipv4_ct_tuple *tuple, struct l4_offsets *off)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	__u32 l4_off;
	__be16 *ports;

	if ((void *)(ip + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		return -1;
	if (ip->ihl < 5 || ip->frag_off & bpf_htons(IP_MF | IP_OFFSET))
		return -1;
	if (ip->protocol == IPPROTO_TCP) {
		off->csum = offsetof(struct tcphdr, check);
		off->csum_flags = 0;
	} else if (ip->protocol == IPPROTO_UDP) {
		off->csum = offsetof(struct udphdr, check);
		off->csum_flags = BPF_F_MARK_MANGLED_0;
	} else {
		return -1;
	}
	l4_off = ETH_HLEN + ip->ihl * 4;
	ports = (void *)ip + ip->ihl * 4;
	/* Both headers start with the source and destination ports. */
	if ((void *)(ports + 2) > data_end)
		return -1;
	tuple->saddr = ip->saddr;
	tuple->daddr = ip->daddr;
	tuple->sport = ports[0];
	tuple->dport = ports[1];
	tuple->proto = ip->protocol;
	off->sport = l4_off;
	off->dport = l4_off + sizeof(__be16);
	off->csum += l4_off;
	return 0;
}

/* Replaces an address and a port of the packet, fixing both checksums on the way. */
static __always_inline int rewrite(struct __sk_buff *skb, const struct l4_offsets *off, __u32 addr_off,
				   __be32 old_addr, __be32 new_addr, __u32 port_off, __be16 old_port,
				   __be16 new_port)
{
	if (bpf_l4_csum_replace(skb, off->csum, old_addr, new_addr,
				off->csum_flags | BPF_F_PSEUDO_HDR | sizeof(new_addr)) < 0)
		return -1;
	if (bpf_l4_csum_replace(skb, off->csum, old_port, new_port, off->csum_flags | sizeof(new_port)) < 0)
		return -1;
	if (bpf_l3_csum_replace(skb, IP_CSUM_OFF, old_addr, new_addr, sizeof(new_addr)) < 0)
		return -1;
	if (bpf_skb_store_bytes(skb, addr_off, &new_addr, sizeof(new_addr), 0) < 0)
		return -1;
	return bpf_skb_store_bytes(skb, port_off, &new_port, sizeof(new_port), 0);
}

static __always_inline void account(struct ct_entry *entry, struct __sk_buff *skb)
{
	__sync_fetch_and_add(&entry->packets, 1);
	__sync_fetch_and_add(&entry->bytes, skb->len);
}

/* The backend of a new flow: a slot chosen by the flow's hash. */
static __always_inline struct lb4_backend *select_backend(struct __sk_buff *skb, struct lb4_key *key,
							  const struct lb4_service *svc, __u32 *backend_id)
{
	struct lb4_service *slot;

	key->backend_slot = bpf_get_hash_recalc(skb) % svc->count + 1;
	slot = bpf_map_lookup_elem(&lb4_services, key);
	if (!slot)
		return NULL;
	*backend_id = slot->backend_id;
	return bpf_map_lookup_elem(&lb4_backends, backend_id);
}

SEC("tc/egress")
int lb_egress(struct __sk_buff *skb)
{
	struct ipv4_ct_tuple tuple = {}, translated;
	struct lb4_key key = {};
	struct l4_offsets off;
	struct lb4_service *svc;
	struct lb4_backend *backend = NULL;
	struct ct_entry *entry, new_entry = {};
	__u32 backend_id;

	if (parse(skb, &tuple, &off) < 0)
		return TC_ACT_OK;
	key.address = tuple.daddr;
	key.dport = tuple.dport;
	key.proto = tuple.proto;
	svc = bpf_map_lookup_elem(&lb4_services, &key);
	if (!svc)
		return TC_ACT_OK;
	if (!svc->count)
		return TC_ACT_SHOT;	/* a service without backends */

	tuple.flags = TUPLE_F_SERVICE;
	entry = bpf_map_lookup_elem(&lb4_ct, &tuple);
	if (entry) {
		backend_id = entry->backend_id;
		backend = bpf_map_lookup_elem(&lb4_backends, &backend_id);
	}
	if (!backend) {
		/* A new flow, or its backend is gone: pick one, remember it. */
		backend = select_backend(skb, &key, svc, &backend_id);
		if (!backend)
			return TC_ACT_SHOT;
		new_entry.backend_id = backend_id;
		new_entry.rev_nat_index = svc->rev_nat_index;
		bpf_map_update_elem(&lb4_ct, &tuple, &new_entry, BPF_ANY);
		entry = bpf_map_lookup_elem(&lb4_ct, &tuple);
		if (!entry)
			return TC_ACT_SHOT;
	}
	account(entry, skb);

	translated = tuple;
	translated.flags = 0;
	translated.daddr = backend->address;
	translated.dport = backend->port;
	entry = bpf_map_lookup_elem(&lb4_ct, &translated);
	if (!entry || entry->rev_nat_index != svc->rev_nat_index) {
		new_entry.backend_id = backend_id;
		new_entry.rev_nat_index = svc->rev_nat_index;
		bpf_map_update_elem(&lb4_ct, &translated, &new_entry, BPF_ANY);
	}

	if (rewrite(skb, &off, IP_DADDR_OFF, tuple.daddr, translated.daddr, off.dport, tuple.dport,
		    translated.dport) < 0)
		return TC_ACT_SHOT;
	return TC_ACT_OK;
}

SEC("tc/ingress")
int lb_ingress(struct __sk_buff *skb)
{
	struct ipv4_ct_tuple reply = {}, flow = {};
	struct l4_offsets off;
	struct lb4_reverse_nat *nat;
	struct ct_entry *entry;
	__u16 rev_nat_index;

	if (parse(skb, &reply, &off) < 0)
		return TC_ACT_OK;
	/* The translated flow's entry is keyed in the client's direction. */
	flow.saddr = reply.daddr;
	flow.daddr = reply.saddr;
	flow.sport = reply.dport;
	flow.dport = reply.sport;
	flow.proto = reply.proto;
	entry = bpf_map_lookup_elem(&lb4_ct, &flow);
	if (!entry)
		return TC_ACT_OK;
	account(entry, skb);
	rev_nat_index = entry->rev_nat_index;
	nat = bpf_map_lookup_elem(&lb4_reverse_nat, &rev_nat_index);
	if (!nat)
		return TC_ACT_SHOT;
	if (rewrite(skb, &off, IP_SADDR_OFF, reply.saddr, nat->address, off.sport, reply.sport, nat->port) < 0)
		return TC_ACT_SHOT;
	return TC_ACT_OK;
}

char _license[] SEC("license") = "GPL";
