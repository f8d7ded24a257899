/* A tc classifier counting packets and bytes per UDP destination port in a BTF-defined hash
 * map, for attaching with `tc filter ... bpf da obj`. */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct totals {
	__u64 packets;
	__u64 bytes;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u16);
	__type(value, struct totals);
} port_totals SEC(".maps");

SEC("tc")
int count_ports(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	struct udphdr *udp = (void *)(ip + 1);
	struct totals fresh = { 1, 0 }, *t;
	__u16 port;

	if ((void *)(udp + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP) ||
	    ip->ihl != 5 || ip->protocol != IPPROTO_UDP)
		return TC_ACT_OK;
	port = bpf_ntohs(udp->dest);
	t = bpf_map_lookup_elem(&port_totals, &port);
	if (!t) {
		fresh.bytes = skb->len;
		bpf_map_update_elem(&port_totals, &port, &fresh, BPF_NOEXIST);
		return TC_ACT_OK;
	}
	__sync_fetch_and_add(&t->packets, 1);
	__sync_fetch_and_add(&t->bytes, skb->len);
	return TC_ACT_OK;
}

char _license[] SEC("license") = "GPL";
