/* Copyright (C) compat-suite authors.
 * katran's root XDP program: chain other XDP programs through a program array, trying each
 * slot in turn; a slot without a program falls through to the next, and when every slot
 * is empty the packet passes. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "balancer_consts.h"

#ifndef ROOT_ARRAY_SIZE
#define ROOT_ARRAY_SIZE 3
#endif

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__type(key, __u32);
	__type(value, __u32);
	__uint(max_entries, ROOT_ARRAY_SIZE);
} root_array SEC(".maps");

SEC("xdp")
int xdp_root(struct xdp_md *ctx)
{
	__u32 i;

#pragma clang loop unroll(full)
	for (i = 0; i < ROOT_ARRAY_SIZE; i++)
		bpf_tail_call(ctx, &root_array, i);
	return XDP_PASS;
}

/* An end of the chain that drops everything, to be put in a slot by user space. */
SEC("xdp")
int xdp_drop_all(struct xdp_md *ctx)
{
	return XDP_DROP;
}

char _license[] SEC("license") = "GPL";
