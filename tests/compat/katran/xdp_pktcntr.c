/* Copyright (C) compat-suite authors.
 * katran's packet counter: when slot 0 of ctl_array is non-zero, count every packet in a
 * per-CPU counter; always pass. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "balancer_consts.h"

#define CTL_MAP_SIZE	16
#define CNTRS_ARRAY_SIZE 512

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u32);
	__uint(max_entries, CTL_MAP_SIZE);
} ctl_array SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, CNTRS_ARRAY_SIZE);
} cntrs_array SEC(".maps");

SEC("xdp")
int pktcntr(struct xdp_md *ctx)
{
	__u32 ctl_flag_pos = 0;
	__u32 cntr_pos = 0;
	__u32 *flag = bpf_map_lookup_elem(&ctl_array, &ctl_flag_pos);
	__u64 *cntr_val;

	if (!flag || !*flag)
		return XDP_PASS;

	cntr_val = bpf_map_lookup_elem(&cntrs_array, &cntr_pos);
	if (cntr_val)
		*cntr_val += 1;
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
