// BPF-to-BPF calls in a legacy object: functions in .text that call each other
// and use a map, called from two programs (iproute2's example section names,
// which say no program type: tc's default, SCHED_CLS).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "bpf_elf.h"

struct bpf_elf_map __section("maps") hits = {
	.type = BPF_MAP_TYPE_ARRAY,
	.size_key = sizeof(__u32),
	.size_value = sizeof(__u32),
	.max_elem = 2,
};

static __attribute__((noinline)) int count(__u32 which)
{
	__u32 *hit = bpf_map_lookup_elem(&hits, &which);

	if (!hit)
		return 0;
	*hit += 1;
	return *hit;
}

static __attribute__((noinline)) int twice(__u32 which)
{
	return count(which) * 2;
}

static __attribute__((noinline)) int negate(int x)
{
	return -x;
}

__section("ingress")
int imain(struct __sk_buff *skb)
{
	return twice(0) + 1000;        /* 1002, 1004, ... */
}

__section("egress")
int emain(struct __sk_buff *skb)
{
	return negate(count(1));       /* -1, -2, ... */
}

char __license[] __section("license") = "GPL";
