// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* libbpf-bootstrap's "uprobe" shape: an entry and a return probe on a user-space function,
 * attached by user space to a binary and offset of its choice (here libc's kill()), with
 * the arguments unpacked by BPF_KPROBE and the return value by BPF_KRETPROBE. */
#include <linux/bpf.h>
#include <linux/ptrace.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct call {
	int pid;
	int sig;
	int ret;
	int returned;
};

int my_pid = 0;
unsigned int entries = 0;

/* The calls of this thread that have not returned yet. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, struct call);
} in_flight SEC(".maps");

/* Finished calls by target pid. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, int);
	__type(value, struct call);
} calls SEC(".maps");

SEC("uprobe")
int BPF_KPROBE(uprobe_kill, int pid, int sig)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id;
	struct call c = { .pid = pid, .sig = sig };

	if (id >> 32 != my_pid)
		return 0;

	__sync_fetch_and_add(&entries, 1);
	bpf_map_update_elem(&in_flight, &tid, &c, BPF_ANY);
	bpf_printk("uprobed kill ENTRY: pid = %d, sig = %d", pid, sig);
	return 0;
}

SEC("uretprobe")
int BPF_KRETPROBE(uretprobe_kill, int ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct call *c;

	c = bpf_map_lookup_elem(&in_flight, &tid);
	if (!c)
		return 0;

	c->ret = ret;
	c->returned = 1;
	bpf_map_update_elem(&calls, &c->pid, c, BPF_ANY);
	bpf_map_delete_elem(&in_flight, &tid);
	bpf_printk("uprobed kill EXIT: return = %d", ret);
	return 0;
}
