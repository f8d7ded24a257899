/* Tracing programs on the kernel's types: each records, per process, the argument of its
 * getpgid(2) calls and what struct task_struct says of the caller, read with CO-RE
 * (BPF_CORE_READ) through pt_regs and task_struct.  A raw tracepoint reads the registers with
 * bpf_probe_read_kernel; a BTF tracepoint dereferences them directly, as the verifier allows
 * for BTF-typed pointers; a syscall tracepoint gets struct trace_event_raw_sys_enter; a kprobe
 * (loaded only: this kernel has no kprobes to attach it to) goes through the BPF_KPROBE and
 * PT_REGS macros of <bpf/bpf_tracing.h>, which pick the kernel's register names because
 * vmlinux.h defines __VMLINUX_H__.  Needs -D__TARGET_ARCH_x86. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#define NR_getpgid 121 /* x86-64 */

struct seen {
	__u64 calls;
	long arg;
	pid_t tgid;
	pid_t parent_tgid;
	char comm[TASK_COMM_LEN];
};

struct seen_map {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, struct seen);
};

struct seen_map raw_seen SEC(".maps"), btf_seen SEC(".maps"), tp_seen SEC(".maps"), kprobe_seen SEC(".maps");

static __always_inline void record(void *map, long arg, struct task_struct *task)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct seen *s = bpf_map_lookup_elem(map, &tgid), fresh = {};

	if (!s) {
		bpf_map_update_elem(map, &tgid, &fresh, BPF_NOEXIST);
		s = bpf_map_lookup_elem(map, &tgid);
		if (!s)
			return;
	}
	s->calls++;
	s->arg = arg;
	s->tgid = BPF_CORE_READ(task, tgid);
	s->parent_tgid = BPF_CORE_READ(task, real_parent, tgid);
	BPF_CORE_READ_STR_INTO(&s->comm, task, comm);
}

SEC("raw_tp/sys_enter")
int BPF_PROG(on_raw_sys_enter, struct pt_regs *regs, long id)
{
	if (id == NR_getpgid)
		record(&raw_seen, BPF_CORE_READ(regs, di), (struct task_struct *)bpf_get_current_task());
	return 0;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(on_btf_sys_enter, struct pt_regs *regs, long id)
{
	if (id == NR_getpgid)
		record(&btf_seen, regs->di, bpf_get_current_task_btf());
	return 0;
}

SEC("tp/syscalls/sys_enter_getpgid")
int on_tp_getpgid(struct trace_event_raw_sys_enter *ctx)
{
	record(&tp_seen, ctx->args[0], (struct task_struct *)bpf_get_current_task());
	return 0;
}

SEC("kprobe/__x64_sys_getpgid")
int BPF_KPROBE(on_getpgid, const struct pt_regs *regs)
{
	record(&kprobe_seen, PT_REGS_PARM1_CORE(regs), (struct task_struct *)bpf_get_current_task());
	return 0;
}

char _license[] SEC("license") = "GPL";
