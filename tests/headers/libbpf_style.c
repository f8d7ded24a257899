/* A tc program written against libbpf's headers, using only what libbpf 1.1 (Debian 12's
 * libbpf-dev) provides: compiled against those and against bpfcc's fallback headers, by bpfcc
 * and by clang-19, it must behave the same.  Returns a verdict; counts frames per class. */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

enum { CLASS_OTHER, CLASS_IPV4, CLASS_UDP, CLASS_DNS, CLASSES };

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, CLASSES);
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __be16);		/* UDP destination port, network order */
	__type(value, __u32);		/* bytes */
	__uint(pinning, LIBBPF_PIN_NONE);
} by_port SEC(".maps");

struct ports {
	__u32 cookie;
	struct udphdr udp;
};

_Static_assert(KERNEL_VERSION(6, 1, 300) == (6 << 16) + (1 << 8) + 255, "KERNEL_VERSION clamps the patch level");
_Static_assert(LIBBPF_PIN_BY_NAME == 1 && TRI_MODULE == 2, "libbpf's enumerations");
_Static_assert(bpf_htons(0x1234) == 0x3412 && bpf_ntohl(0x11223344) == 0x44332211, "constant byte swaps");
_Static_assert(bpf_cpu_to_be64(0x0102030405060708ULL) == 0x0807060504030201ULL, "64-bit byte swap");

static __always_inline void count(__u32 class)
{
	__u64 *n = bpf_map_lookup_elem(&counts, &class);

	if (n)
		__sync_fetch_and_add(n, 1);
}

static __noinline int port_class(__u16 port)
{
	switch (port) {
	case 53:
		return CLASS_DNS;
	default:
		return CLASS_UDP;
	}
}

SEC("tc")
int classify(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	struct ports p = { .cookie = 7 };
	struct udphdr *udp;
	__u32 bytes, *seen;

	if ((void *)(ip + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP)) {
		count(CLASS_OTHER);
		return TC_ACT_OK;
	}
	count(CLASS_IPV4);
	if (ip->protocol != IPPROTO_UDP || ip->ihl != 5)
		return TC_ACT_OK;
	udp = (void *)(ip + 1);
	if ((void *)(udp + 1) > data_end)
		return TC_ACT_SHOT;
	__builtin_memcpy(&p.udp, udp, sizeof(p.udp));
	barrier();
	/* container_of and offsetof find the wrapper from its member */
	if (container_of(&p.udp, struct ports, udp)->cookie != 7 || offsetof(struct ports, udp) != 4)
		return TC_ACT_SHOT;
	count(port_class(bpf_ntohs(udp->dest)));
	bytes = bpf_ntohs(udp->len);
	barrier_var(bytes);
	seen = bpf_map_lookup_elem(&by_port, &udp->dest);
	if (seen)
		bytes += *seen;
	bpf_map_update_elem(&by_port, &udp->dest, &bytes, BPF_ANY);
	bpf_printk("udp %u -> %u", bpf_ntohs(udp->source), bpf_ntohs(udp->dest));
	bpf_printk("udp len %u sum %x ttl %u tos %u", bpf_ntohs(udp->len), udp->check, ip->ttl, ip->tos);
	if (bpf_ntohl(ip->daddr) == 0x0a000063)	/* 10.0.0.99 */
		return TC_ACT_SHOT;
	return udp->dest == bpf_htons(9) ? TC_ACT_SHOT : TC_ACT_OK;
}

char _license[] SEC("license") = "GPL";
