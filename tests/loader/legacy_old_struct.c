// An older iproute2 struct bpf_elf_map, without flags' successors inner_id and
// inner_idx (28 bytes): the loader zero-extends it, as iproute2 does.
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

struct bpf_elf_map {
	__u32 type;
	__u32 size_key;
	__u32 size_value;
	__u32 max_elem;
	__u32 flags;
	__u32 id;
	__u32 pinning;
};

__attribute__((section("maps"), used)) struct bpf_elf_map old_style = {
	.type = BPF_MAP_TYPE_HASH,
	.size_key = sizeof(__u32),
	.size_value = sizeof(__u32),
	.max_elem = 8,
	.pinning = 2,    /* PIN_GLOBAL_NS */
};

__attribute__((section("classifier"), used))
int remember(struct __sk_buff *skb)
{
	__u32 key = skb->len, value = skb->protocol;

	bpf_map_update_elem(&old_style, &key, &value, BPF_ANY);
	return TC_ACT_OK;
}

char __license[] __attribute__((section("license"), used)) = "GPL";
