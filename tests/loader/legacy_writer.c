// Stores the length of the packet it sees in a PIN_GLOBAL_NS map that
// legacy_reader.c declares too: with pinning, both objects use one map.
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include "bpf_elf.h"

struct bpf_elf_map __section("maps") last_len = {
	.type = BPF_MAP_TYPE_ARRAY,
	.size_key = sizeof(__u32),
	.size_value = sizeof(__u32),
	.max_elem = 1,
	.pinning = PIN_GLOBAL_NS,
};

__section("classifier")
int write_len(struct __sk_buff *skb)
{
	__u32 zero = 0, len = skb->len;

	bpf_map_update_elem(&last_len, &zero, &len, BPF_ANY);
	return TC_ACT_OK;
}

char __license[] __section("license") = "GPL";
