// Returns what legacy_writer.c stored in the map they share by PIN_GLOBAL_NS.
// -DVALUE_TYPE=__u64 makes a map that cannot share the writer's pin.
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include "bpf_elf.h"

#ifndef VALUE_TYPE
#define VALUE_TYPE __u32
#endif

struct bpf_elf_map __section("maps") last_len = {
	.type = BPF_MAP_TYPE_ARRAY,
	.size_key = sizeof(__u32),
	.size_value = sizeof(VALUE_TYPE),
	.max_elem = 1,
	.pinning = PIN_GLOBAL_NS,
};

__section("classifier")
int read_len(struct __sk_buff *skb)
{
	__u32 zero = 0;
	VALUE_TYPE *len = bpf_map_lookup_elem(&last_len, &zero);

	return len ? *len : TC_ACT_UNSPEC;
}

char __license[] __section("license") = "GPL";
