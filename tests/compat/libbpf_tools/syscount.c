// SPDX-License-Identifier: GPL-2.0
/* libbpf-tools' syscount shape: count system calls and their latency per syscall id, for
 * one process or all, from the raw_syscalls tracepoints (tracepoint and raw_tp versions;
 * user space enables the one the kernel supports). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "syscount.h"
#include "maps.bpf.h"

const volatile bool filter_failed = false;
const volatile int filter_errno = 0;
const volatile bool measure_latency = false;
const volatile pid_t filter_pid = 0;

#define MAX_ENTRIES 8192

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_ENTRIES);
	__type(key, u32);
	__type(value, u64);
} start SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_ENTRIES);
	__type(key, u32);
	__type(value, struct data_t);
} data SEC(".maps");

static __always_inline void save_proc_name(struct data_t *val)
{
	struct task_struct *current = (void *)bpf_get_current_task();

	/* The process's main thread names it. */
	BPF_CORE_READ_STR_INTO(&val->comm, current, group_leader, comm);
}

static __always_inline int enter(void)
{
	u64 id = bpf_get_current_pid_tgid();
	u32 tid = id;
	u64 ts;

	if (filter_pid && id >> 32 != filter_pid)
		return 0;

	ts = bpf_ktime_get_ns();
	bpf_map_update_elem(&start, &tid, &ts, 0);
	return 0;
}

static __always_inline int exit(long syscall_id, long ret)
{
	u64 id = bpf_get_current_pid_tgid();
	static const struct data_t zero;
	pid_t pid = id >> 32;
	struct data_t *val;
	u64 *start_ts, lat = 0;
	u32 tid = id, key;

	/* A negative id is a syscall that was never entered (e.g. after a seccomp kill). */
	if (syscall_id < 0)
		return 0;
	if (filter_pid && pid != filter_pid)
		return 0;
	if (filter_failed && ret >= 0)
		return 0;
	if (filter_errno && ret != -filter_errno)
		return 0;

	if (measure_latency) {
		start_ts = bpf_map_lookup_elem(&start, &tid);
		if (!start_ts)
			return 0;
		lat = bpf_ktime_get_ns() - *start_ts;
	}

	key = syscall_id;
	val = bpf_map_lookup_or_try_init(&data, &key, &zero);
	if (val) {
		__sync_fetch_and_add(&val->count, 1);
		if (!val->comm[0])
			save_proc_name(val);
		if (measure_latency) {
			__sync_fetch_and_add(&val->total_ns, lat);
			if (lat > val->max_ns)
				val->max_ns = lat;
		}
	}
	return 0;
}

SEC("tracepoint/raw_syscalls/sys_enter")
int sys_enter(struct trace_event_raw_sys_enter *args)
{
	return enter();
}

SEC("tracepoint/raw_syscalls/sys_exit")
int sys_exit(struct trace_event_raw_sys_exit *args)
{
	return exit(args->id, args->ret);
}

/* raw_tp: the arguments are (struct pt_regs *regs, long id) and (regs, long ret); the
 * syscall id on exit is read from the saved registers. */
SEC("raw_tp/sys_enter")
int BPF_PROG(sys_enter_raw, struct pt_regs *regs, long id)
{
	return enter();
}

SEC("raw_tp/sys_exit")
int BPF_PROG(sys_exit_raw, struct pt_regs *regs, long ret)
{
	return exit(BPF_CORE_READ(regs, orig_ax), ret);
}

char LICENSE[] SEC("license") = "GPL";
