// iproute2's tail-call convention: programs in sections "<id>/<key>" are
// stored at <key> of the PROG_ARRAY whose id is <id>.  The chain is
// entry -> 1/0 -> 1/1 -> 1/2; each hop counts itself in trace[hop], and a
// failed tail call returns 100 + the hop that made it.
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include "bpf_elf.h"

#define JMP_ID 1

struct bpf_elf_map __section("maps") jmp = {
	.type = BPF_MAP_TYPE_PROG_ARRAY,
	.size_key = sizeof(__u32),
	.size_value = sizeof(__u32),
	.max_elem = 4,
	.id = JMP_ID,
};

struct bpf_elf_map __section("maps") trace = {
	.type = BPF_MAP_TYPE_ARRAY,
	.size_key = sizeof(__u32),
	.size_value = sizeof(__u32),
	.max_elem = 4,
};

static __always_inline void mark(__u32 hop)
{
	__u32 *count = bpf_map_lookup_elem(&trace, &hop);

	if (count)
		*count += 1;
}

__section_tail(JMP_ID, 2)
int third(struct __sk_buff *skb)
{
	mark(3);
	return skb->len > 100 ? TC_ACT_SHOT : TC_ACT_OK;
}

__section_tail(JMP_ID, 1)
int second(struct __sk_buff *skb)
{
	mark(2);
	bpf_tail_call(skb, &jmp, 2);
	return 102;
}

__section_tail(JMP_ID, 0)
int first(struct __sk_buff *skb)
{
	mark(1);
	bpf_tail_call(skb, &jmp, 1);
	return 101;
}

__section("classifier")
int entry(struct __sk_buff *skb)
{
	mark(0);
	bpf_tail_call(skb, &jmp, 0);
	return 100;
}

char __license[] __section("license") = "GPL";
