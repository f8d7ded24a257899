// tc port rewrite: UDP over IPv4 to FROM_PORT is redirected to TO_PORT and its
// IP TTL set to NEW_TTL, with both checksums fixed incrementally by the
// kernel's csum helpers, as a NAT datapath does.  Attach as a classifier in
// direct-action mode; every packet continues (TC_ACT_OK).
#include <stddef.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/pkt_cls.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#ifndef FROM_PORT
#define FROM_PORT 5000
#endif
#ifndef TO_PORT
#define TO_PORT 5001
#endif
#ifndef NEW_TTL
#define NEW_TTL 42
#endif

#define IP_OFF ETH_HLEN
#define TTL_OFF (IP_OFF + offsetof(struct iphdr, ttl))
#define IP_CSUM_OFF (IP_OFF + offsetof(struct iphdr, check))

SEC("tc")
int tc_rewrite(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = data + sizeof(*eth);
	struct udphdr *udp;
	__u32 udp_off, csum_off;
	__be16 new_port = bpf_htons(TO_PORT);
	__u8 new_ttl = NEW_TTL;
	__u16 old_ttl_word, new_ttl_word;

	if ((void *)(ip + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		return TC_ACT_OK;
	if (ip->ihl != 5 || ip->protocol != IPPROTO_UDP)
		return TC_ACT_OK;
	udp = (void *)(ip + 1);
	if ((void *)(udp + 1) > data_end || udp->dest != bpf_htons(FROM_PORT))
		return TC_ACT_OK;

	udp_off = IP_OFF + sizeof(*ip);
	csum_off = udp_off + offsetof(struct udphdr, check);
	/* A zero UDP checksum means "none" and must stay zero. */
	if (udp->check)
		bpf_l4_csum_replace(skb, csum_off, udp->dest, new_port, sizeof(new_port));
	bpf_skb_store_bytes(skb, udp_off + offsetof(struct udphdr, dest), &new_port, sizeof(new_port), 0);

	/* TTL shares a 16-bit checksum word with the protocol byte. */
	data = (void *)(long)skb->data;
	data_end = (void *)(long)skb->data_end;
	ip = data + sizeof(*eth);
	if ((void *)(ip + 1) > data_end)
		return TC_ACT_OK;
	old_ttl_word = bpf_htons((__u16)ip->ttl << 8 | ip->protocol);
	new_ttl_word = bpf_htons((__u16)new_ttl << 8 | ip->protocol);
	bpf_l3_csum_replace(skb, IP_CSUM_OFF, old_ttl_word, new_ttl_word, sizeof(__u16));
	bpf_skb_store_bytes(skb, TTL_OFF, &new_ttl, sizeof(new_ttl), 0);
	return TC_ACT_OK;
}

char _license[] SEC("license") = "GPL";
