// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* A BPF LSM policy on the bpf() system call: refuse BPF_MAP_CREATE of the map types the
 * policy forbids for processes other than the agent, and log the refusal. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#define EPERM 1

char LICENSE[] SEC("license") = "GPL";

const volatile __u32 agent_tgid = 0;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 32);
	__type(key, __u32);	/* enum bpf_map_type */
	__type(value, __u8);
} forbidden_map_types SEC(".maps");

SEC("lsm/bpf")
int BPF_PROG(lsm_bpf, int cmd, union bpf_attr *attr, unsigned int size, int ret)
{
	__u32 map_type;

	/* An earlier LSM already refused. */
	if (ret != 0)
		return ret;
	if (cmd != BPF_MAP_CREATE)
		return 0;
	if (bpf_get_current_pid_tgid() >> 32 == agent_tgid)
		return 0;

	map_type = BPF_CORE_READ(attr, map_type);
	if (!bpf_map_lookup_elem(&forbidden_map_types, &map_type))
		return 0;

	bpf_printk("lsm: refusing map type %u", map_type);
	return -EPERM;
}
