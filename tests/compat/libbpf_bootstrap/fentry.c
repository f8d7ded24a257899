// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* libbpf-bootstrap's "fentry" shape: BTF-typed entry and exit programs on do_unlinkat,
 * reading the struct filename through BTF-aware direct access, timing each call and
 * counting its results for one process (or all). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

const volatile pid_t targ_pid = 0;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, u32);
	__type(value, u64);
} start SEC(".maps");

/* Return value -> (calls, total ns). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, long);
	__type(value, u64[2]);
} results SEC(".maps");

SEC("fentry/do_unlinkat")
int BPF_PROG(do_unlinkat, int dfd, struct filename *name)
{
	u64 id = bpf_get_current_pid_tgid();
	u32 tid = (u32)id;
	u64 ts;

	if (targ_pid && id >> 32 != targ_pid)
		return 0;

	ts = bpf_ktime_get_ns();
	bpf_map_update_elem(&start, &tid, &ts, BPF_ANY);
	bpf_printk("fentry: pid = %d, filename = %s\n", (pid_t)(id >> 32), name->name);
	return 0;
}

SEC("fexit/do_unlinkat")
int BPF_PROG(do_unlinkat_exit, int dfd, struct filename *name, long ret)
{
	u32 tid = (u32)bpf_get_current_pid_tgid();
	u64 zero[2] = {}, *tsp, *res;

	tsp = bpf_map_lookup_elem(&start, &tid);
	if (!tsp)
		return 0;

	res = bpf_map_lookup_elem(&results, &ret);
	if (!res) {
		bpf_map_update_elem(&results, &ret, &zero, BPF_NOEXIST);
		res = bpf_map_lookup_elem(&results, &ret);
	}
	if (res) {
		__sync_fetch_and_add(&res[0], 1);
		__sync_fetch_and_add(&res[1], bpf_ktime_get_ns() - *tsp);
	}
	bpf_map_delete_elem(&start, &tid);
	bpf_printk("fexit: filename = %s, ret = %ld\n", name->name, ret);
	return 0;
}
