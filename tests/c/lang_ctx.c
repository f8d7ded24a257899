/* Member access through the context pointer (struct __sk_buff, struct xdp_md) and through the
 * packet-header structs of <linux/if_ether.h>, <linux/ip.h> and <linux/udp.h>. */
#include "lang.h"

SEC("tc")
int check_skb_fields(struct __sk_buff *skb)
{
	ASSERT(FRAME_LEN, skb->len);
	ASSERT(bpf_htons(ETH_P_IP), skb->protocol);
	ASSERT(0x0008, skb->protocol);                   /* network byte order, read little-endian */
	ASSERT(FRAME_LEN, skb->data_end - skb->data);
	ASSERT(1, skb->data < skb->data_end);
	ASSERT(0, skb->vlan_present);
	ASSERT(FRAME_LEN, (*skb).len);
	{
		struct __sk_buff *s = skb;
		__u32 len = s->len;
		__u32 *lenp = &len;
		ASSERT(FRAME_LEN, *lenp);
		ASSERT(FRAME_LEN * 2, s->len + len);
		ASSERT(1, s->len == skb->len);
	}
	ASSERT(4, sizeof(skb->len));
	ASSERT(4, sizeof(skb->data));
	ASSERT(0, __builtin_offsetof(struct __sk_buff, len));
	ASSERT(76, __builtin_offsetof(struct __sk_buff, data));
	ASSERT(80, __builtin_offsetof(struct __sk_buff, data_end));
	return 0;
}

SEC("tc")
int check_skb_headers(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip;
	struct udphdr *udp;

	if ((void *)(eth + 1) > data_end)
		return __LINE__;
	ASSERT(bpf_htons(ETH_P_IP), eth->h_proto);
	ASSERT(0x02, eth->h_dest[0]);
	ASSERT(0x0b, eth->h_dest[5]);
	ASSERT(0x0a, eth->h_source[5]);
	ASSERT(14, sizeof(*eth));
	ASSERT(6, sizeof(eth->h_dest));
	ASSERT(12, (void *)&eth->h_proto - data);
	ASSERT(6, (char *)eth->h_source - (char *)eth);

	ip = (struct iphdr *)(eth + 1);
	if ((void *)(ip + 1) > data_end)
		return __LINE__;
	ASSERT(20, sizeof(struct iphdr));
	ASSERT(IPPROTO_UDP, ip->protocol);
	ASSERT(FRAME_TTL, ip->ttl);
	ASSERT(bpf_htonl(FRAME_SADDR), ip->saddr);
	ASSERT(bpf_htonl(FRAME_DADDR), ip->daddr);
	ASSERT(FRAME_SADDR, bpf_ntohl(ip->saddr));
	ASSERT(FRAME_LEN - ETH_HLEN, bpf_ntohs(ip->tot_len));
	ASSERT(0, ip->tos);
	ASSERT(1, ip->saddr != ip->daddr);
	ASSERT(9, (void *)&ip->protocol - (void *)ip);

	udp = (void *)ip + sizeof(*ip);
	if ((void *)(udp + 1) > data_end)
		return __LINE__;
	ASSERT(FRAME_SPORT, bpf_ntohs(udp->source));
	ASSERT(FRAME_DPORT, bpf_ntohs(udp->dest));
	ASSERT(bpf_htons(FRAME_DPORT), udp->dest);
	ASSERT(8 + FRAME_PAYLOAD_LEN, bpf_ntohs(udp->len));
	ASSERT(8, sizeof(*udp));
	ASSERT(FRAME_PAYLOAD_LEN, data_end - (void *)(udp + 1));
	if ((void *)(udp + 1) + 6 > data_end)
		return __LINE__;
	ASSERT(5, ((unsigned char *)(udp + 1))[5]);
	return 0;
}

SEC("tc")
int check_skb_writes(struct __sk_buff *skb)
{
	ASSERT(0, skb->mark);
	skb->mark = opq_u(0x12345678);
	ASSERT(0x12345678, skb->mark);
	ASSERT(0x78, skb->mark & 0xff);              /* narrower uses of a context field */
	ASSERT(0x1234, skb->mark >> 16);
	ASSERT(0x56, (__u8)(skb->mark >> 8));
	skb->priority = 7;
	ASSERT(7, skb->priority);
	skb->tc_index = 3;
	ASSERT(3, skb->tc_index);
	skb->cb[0] = 1;
	skb->cb[4] = 0xdeadbeef;
	ASSERT(1, skb->cb[0]);
	ASSERT(0, skb->cb[2]);
	ASSERT(0xdeadbeef, skb->cb[4]);
	skb->cb[1] += 5;
	skb->cb[1] *= 3;
	ASSERT(15, skb->cb[1]);
	return 0;
}

/* Variable-length headers: the offset comes from the packet, bounded before use. */
SEC("tc")
int check_variable_offsets(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct iphdr *ip = data + ETH_HLEN;
	struct udphdr *udp;
	int hl;

	if ((void *)(ip + 1) > data_end)
		return __LINE__;
	hl = ip->ihl * 4;
	if (hl < (int)sizeof(*ip))
		return __LINE__;
	udp = (void *)ip + hl;
	if ((void *)(udp + 1) > data_end)
		return __LINE__;
	ASSERT(FRAME_DPORT, bpf_ntohs(udp->dest));
	{
		__u32 off = ETH_HLEN + 20 + opq_u(2) % 4;
		if (off > 40)
			return __LINE__;
		if (data + off + 2 > data_end)
			return __LINE__;
		ASSERT(FRAME_DPORT, bpf_ntohs(*(__u16 *)(data + off)));
	}
	{
		__u8 *p = data;
		__u32 i = opq_u(50);
		if (i >= 64)
			return __LINE__;
		if ((void *)(p + i + 1) > data_end)
			return __LINE__;
		ASSERT(8, p[i]);
	}
	return 0;
}

/* struct iphdr's first byte is a pair of bit-fields (ihl:4, version:4). */
SEC("tc")
int check_iphdr_bitfields(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct iphdr *ip = data + ETH_HLEN;

	if ((void *)(ip + 1) > data_end)
		return __LINE__;
	ASSERT(5, ip->ihl);
	ASSERT(4, ip->version);
	ASSERT(20, ip->ihl * 4);
	ASSERT(1, ip->ihl == 5 && ip->version == 4);
	return 0;
}

SEC("xdp")
int check_xdp_fields(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;

	ASSERT(FRAME_LEN, data_end - data);
	ASSERT(FRAME_LEN, ctx->data_end - ctx->data);
	ASSERT(0, ctx->data_meta - ctx->data);
	if (data + sizeof(*eth) + sizeof(struct iphdr) + sizeof(struct udphdr) > data_end)
		return __LINE__;
	ASSERT(bpf_htons(ETH_P_IP), eth->h_proto);
	{
		struct iphdr *ip = (void *)(eth + 1);
		struct udphdr *udp = (void *)(ip + 1);
		ASSERT(IPPROTO_UDP, ip->protocol);
		ASSERT(bpf_htons(FRAME_DPORT), udp->dest);
		ASSERT(FRAME_SPORT, bpf_ntohs(udp->source));
		/* write through the headers, then read back */
		udp->dest = bpf_htons(1234);
		ASSERT(1234, bpf_ntohs(udp->dest));
		ASSERT(0x04, ((unsigned char *)data)[36]);
		ASSERT(0xd2, ((unsigned char *)data)[37]);
		udp->dest = bpf_htons(FRAME_DPORT);
		ip->ttl--;
		ASSERT(FRAME_TTL - 1, ip->ttl);
		ip->ttl += 1;
		eth->h_dest[0] ^= 0xff;
		ASSERT(0xfd, eth->h_dest[0]);
		eth->h_dest[0] ^= 0xff;
	}
	return 0;
}

char _license[] SEC("license") = "GPL";
