// Legacy iproute2 maps of several types, used by one classifier run with
// BPF_PROG_TEST_RUN.  User space sets cfg[0] before a run and reads the rest.
// -DPINNING=PIN_GLOBAL_NS pins the map-in-map and its inner map, as iproute2's
// examples/bpf/bpf_map_in_map.c does.
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include "bpf_elf.h"

#define INNER_ID 42
#ifndef PINNING
#define PINNING PIN_NONE
#endif

struct bpf_elf_map __section("maps") cfg = {
	.type = BPF_MAP_TYPE_ARRAY,
	.size_key = sizeof(__u32),
	.size_value = sizeof(__u32),
	.max_elem = 1,
};

struct bpf_elf_map __section("maps") lengths = {   /* packet length -> packets seen */
	.type = BPF_MAP_TYPE_HASH,
	.size_key = sizeof(__u32),
	.size_value = sizeof(__u64),
	.max_elem = 16,
};

struct bpf_elf_map __section("maps") runs = {      /* [0] = runs, per CPU */
	.type = BPF_MAP_TYPE_PERCPU_ARRAY,
	.size_key = sizeof(__u32),
	.size_value = sizeof(__u64),
	.max_elem = 1,
};

struct bpf_elf_map __section("maps") inner = {
	.type = BPF_MAP_TYPE_ARRAY,
	.size_key = sizeof(__u32),
	.size_value = sizeof(__u32),
	.max_elem = 2,
	.id = INNER_ID,
	.inner_idx = 1,
	.pinning = PINNING,
};

struct bpf_elf_map __section("maps") outer = {
	.type = BPF_MAP_TYPE_ARRAY_OF_MAPS,
	.size_key = sizeof(__u32),
	.size_value = sizeof(__u32),
	.max_elem = 2,
	.inner_id = INNER_ID,
	.pinning = PINNING,
};

__section("classifier")
int account(struct __sk_buff *skb)
{
	__u32 zero = 0, one = 1, len = skb->len;
	__u32 *verdict = bpf_map_lookup_elem(&cfg, &zero);
	__u64 *count, *nruns, first = 1;
	void *map;
	__u32 *slot;

	if (!verdict)
		return TC_ACT_UNSPEC;
	count = bpf_map_lookup_elem(&lengths, &len);
	if (count)
		__sync_fetch_and_add(count, 1);
	else
		bpf_map_update_elem(&lengths, &len, &first, BPF_NOEXIST);
	nruns = bpf_map_lookup_elem(&runs, &zero);
	if (nruns)
		*nruns += 1;
	map = bpf_map_lookup_elem(&outer, &one);
	if (!map)
		return TC_ACT_UNSPEC;
	slot = bpf_map_lookup_elem(map, &zero);
	if (!slot)
		return TC_ACT_UNSPEC;
	*slot += *verdict;
	return *verdict;
}

char __license[] __section("license") = "GPL";
