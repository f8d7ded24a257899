// libbpf's tail calls: a BTF PROG_ARRAY whose static initialiser names the
// programs, which libbpf stores in it at load.  Same chain as
// legacy_tailcall.c: entry -> first -> second -> third, trace[hop] counts each
// hop and a failed tail call returns 100 + the hop that made it.
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

int first(struct __sk_buff *skb);
int second(struct __sk_buff *skb);
int third(struct __sk_buff *skb);

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 4);
	__uint(key_size, sizeof(__u32));
	__array(values, int (void *));
} jmp SEC(".maps") = {
	.values = {
		[0] = (void *)&first,
		[1] = (void *)&second,
		[2] = (void *)&third,
	},
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u32);
} trace SEC(".maps");

static __always_inline void mark(__u32 hop)
{
	__u32 *count = bpf_map_lookup_elem(&trace, &hop);

	if (count)
		*count += 1;
}

SEC("tc")
int third(struct __sk_buff *skb)
{
	mark(3);
	return skb->len > 100 ? TC_ACT_SHOT : TC_ACT_OK;
}

SEC("tc")
int second(struct __sk_buff *skb)
{
	mark(2);
	bpf_tail_call(skb, &jmp, 2);
	return 102;
}

SEC("tc")
int first(struct __sk_buff *skb)
{
	mark(1);
	bpf_tail_call(skb, &jmp, 1);
	return 101;
}

SEC("tc")
int entry(struct __sk_buff *skb)
{
	mark(0);
	bpf_tail_call(skb, &jmp, 0);
	return 100;
}

char _license[] SEC("license") = "GPL";
