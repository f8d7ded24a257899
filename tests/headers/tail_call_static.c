/* bpf_tail_call_static: a tail call to a constant slot, from inline assembly. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u32);
} jumps SEC(".maps");

SEC("tc")
int target(struct __sk_buff *skb)
{
	return 77;
}

SEC("tc")
int jump(struct __sk_buff *skb)
{
	bpf_tail_call_static(skb, &jumps, 1);
	return 5;	/* the slot is empty */
}

char _license[] SEC("license") = "GPL";
