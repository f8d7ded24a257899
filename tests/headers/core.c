/* CO-RE through <bpf/bpf_core_read.h>: relocations against struct list_head, which the
 * kernel's BTF has with the same layout, so the loader resolves them to these offsets. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

struct list_head {
	struct list_head *next, *prev;
};

SEC("tc")
int core(struct __sk_buff *skb)
{
	struct list_head a, b, c, *head = &a;
	__u64 prev = 0;
	int r = 0;

	a.next = &b;
	b.next = &c;
	c.prev = &a;
	barrier_var(head);
	if (BPF_CORE_READ(head, next, next, prev) == &a)
		r |= 1 << 0;
	BPF_CORE_READ_INTO(&prev, head, next, next, prev);
	if (prev == (__u64)&a)
		r |= 1 << 1;
	if (bpf_core_field_exists(struct list_head, prev) && bpf_core_field_exists(head->next))
		r |= 1 << 2;
	if (bpf_core_field_offset(struct list_head, prev) == 8 && bpf_core_field_size(head->prev) == 8)
		r |= 1 << 3;
	if (bpf_core_type_exists(struct list_head) && bpf_core_type_size(struct list_head) == 16)
		r |= 1 << 4;
	return r;
}

char _license[] SEC("license") = "GPL";
