// One legacy map per pinning mode; the classifier counts runs in each.
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include "bpf_elf.h"

#define COUNTER(NAME, PINNING)                          \
	struct bpf_elf_map __section("maps") NAME = {   \
		.type = BPF_MAP_TYPE_ARRAY,             \
		.size_key = sizeof(__u32),              \
		.size_value = sizeof(__u64),            \
		.max_elem = 1,                          \
		.pinning = PINNING,                     \
	}

COUNTER(by_object, PIN_OBJECT_NS);
COUNTER(by_name, PIN_GLOBAL_NS);
COUNTER(unpinned, PIN_NONE);

static __always_inline void bump(void *map)
{
	__u32 zero = 0;
	__u64 *count = bpf_map_lookup_elem(map, &zero);

	if (count)
		__sync_fetch_and_add(count, 1);
}

__section("classifier")
int count_runs(struct __sk_buff *skb)
{
	bump(&by_object);
	bump(&by_name);
	bump(&unpinned);
	return TC_ACT_OK;
}

char __license[] __section("license") = "GPL";
