/* A tc program reading __sk_buff through a CO-RE flavour whose members are out of the kernel's
 * order: libbpf patches the context offsets before the verifier rewrites the accesses. */
#include <linux/types.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

struct __sk_buff___l {
	__u32 protocol;
	__u32 mark;
	__u32 len;
} __attribute__((preserve_access_index));

SEC("tc")
int skb_len(struct __sk_buff___l *skb)
{
	return skb->len + (skb->mark << 16) + bpf_core_field_offset(skb->protocol);
}

char LICENSE[] SEC("license") = "GPL";
