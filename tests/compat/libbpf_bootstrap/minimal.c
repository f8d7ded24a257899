// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* libbpf-bootstrap's "minimal" shape: a tracepoint on write(2) that reacts only to the
 * process user space names in my_pid (set through the skeleton's .bss before attaching),
 * counts the calls and leaves a line in the trace pipe. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

int my_pid = 0;
unsigned long long write_calls = 0;
unsigned long long bytes_requested = 0;

/* Layout from /sys/kernel/tracing/events/syscalls/sys_enter_write/format. */
struct sys_enter_write_args {
	unsigned long long unused;
	long syscall_nr;
	unsigned long fd;
	const char *buf;
	unsigned long count;
};

SEC("tp/syscalls/sys_enter_write")
int handle_tp(struct sys_enter_write_args *ctx)
{
	int pid = bpf_get_current_pid_tgid() >> 32;

	if (pid != my_pid)
		return 0;

	__sync_fetch_and_add(&write_calls, 1);
	__sync_fetch_and_add(&bytes_requested, ctx->count);
	bpf_printk("BPF triggered from PID %d, %lu bytes.\n", pid, ctx->count);

	return 0;
}
