/* A tc classifier on the kernel's own types: struct __sk_buff, ethhdr, iphdr (bit-fields, an
 * anonymous union), udphdr, enum constants (BPF_MAP_TYPE_ARRAY, IPPROTO_UDP, a 64-bit
 * PERF_TXN_ABORT_MASK) and typedefs (bool, __be32) all come from vmlinux.h: bpftool's file, or
 * the kernel's BTF when there is no such file.  Macros are not types: vmlinux.h has none. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define TC_ACT_OK 0
#define TC_ACT_SHOT 2
#define ETH_P_IP 0x0800
#define IP_OFFSET_MASK 0x3fff /* IP_MF | IP_OFFSET */

struct summary {
	__u32 packets;
	__u32 bytes;
	__u8 ihl, version, protocol;
	bool fragment;
	__be32 saddr;
	__u16 dport;
	__u64 txn;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct summary);
} summaries SEC(".maps");

SEC("tc")
int classify(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data, *data_end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	struct udphdr *udp;
	struct summary *s;
	__u32 key = 0;

	if ((void *)(ip + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		return TC_ACT_OK;
	udp = (void *)ip + ip->ihl * 4;
	if ((void *)(udp + 1) > data_end)
		return TC_ACT_OK;
	s = bpf_map_lookup_elem(&summaries, &key);
	if (!s)
		return TC_ACT_OK;
	s->packets++;
	s->bytes += skb->len;
	s->ihl = ip->ihl;
	s->version = ip->version;
	s->protocol = ip->protocol;
	s->fragment = ip->frag_off & bpf_htons(IP_OFFSET_MASK);
	s->saddr = ip->addrs.saddr;
	s->dport = bpf_ntohs(udp->dest);
	s->txn = PERF_TXN_ABORT_MASK;
	return ip->protocol == IPPROTO_UDP ? TC_ACT_SHOT : TC_ACT_OK;
}

char _license[] SEC("license") = "GPL";
