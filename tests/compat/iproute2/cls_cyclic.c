/* A classifier that tail-calls itself, as iproute2's examples/bpf/bpf_cyclic.c does, to
 * checksum a payload in bounded rounds: each round folds one 32-bit word from the UDP
 * payload into skb->cb, and the last round writes the sum to skb->mark. */
#include <linux/ip.h>
#include <linux/in.h>
#include <linux/udp.h>

#include "bpf_api.h"

#define JMP_MAP_ID	0xabccba
#define MAX_ROUNDS	16

#define CB_ROUND	0
#define CB_SUM		1

struct bpf_elf_map __section_maps jmp_tc = {
	.type		= BPF_MAP_TYPE_PROG_ARRAY,
	.id		= JMP_MAP_ID,
	.size_key	= sizeof(__u32),
	.size_value	= sizeof(__u32),
	.pinning	= PIN_OBJECT_NS,
	.max_elem	= 1,
};

#define PAYLOAD_OFF	(ETH_HLEN + sizeof(struct iphdr) + sizeof(struct udphdr))

__section_tail(JMP_MAP_ID, 0)
int cls_loop(struct __sk_buff *skb)
{
	__u32 round = skb->cb[CB_ROUND];
	__u32 off = PAYLOAD_OFF + round * sizeof(__u32);
	__u32 word;

	if (round >= MAX_ROUNDS || off + sizeof(word) > skb->len ||
	    skb_load_bytes(skb, off, &word, sizeof(word)) < 0) {
		skb->mark = skb->cb[CB_SUM];
		return TC_ACT_OK;
	}

	skb->cb[CB_SUM] += ntohl(word);
	skb->cb[CB_ROUND] = round + 1;
	tail_call(skb, &jmp_tc, 0);

	/* Only reached once the kernel's tail-call limit is hit. */
	return TC_ACT_SHOT;
}

__section_cls_entry
int cls_entry(struct __sk_buff *skb)
{
	if (load_half(skb, offsetof(struct ethhdr, h_proto)) != ETH_P_IP ||
	    load_byte(skb, ETH_HLEN + offsetof(struct iphdr, protocol)) != IPPROTO_UDP ||
	    (load_byte(skb, ETH_HLEN) & 0x0f) != 5)
		return TC_ACT_OK;

	skb->cb[CB_ROUND] = 0;
	skb->cb[CB_SUM] = 0;
	tail_call(skb, &jmp_tc, 0);
	return TC_ACT_SHOT;
}

BPF_LICENSE("GPL");
