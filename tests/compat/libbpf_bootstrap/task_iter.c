// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* libbpf-bootstrap's "task_iter" shape: a BPF iterator over every task, printing one line
 * per thread (tgid, pid, state, comm) into the seq_file user space reads, then a summary
 * when the iteration ends. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

__u64 tasks_seen = 0;
__u64 threads_seen = 0;

SEC("iter/task")
int get_tasks(struct bpf_iter__task *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	struct task_struct *task = ctx->task;

	/* The last call has no task: print the totals. */
	if (!task) {
		BPF_SEQ_PRINTF(seq, "%llu tasks, %llu of them threads\n", tasks_seen, threads_seen);
		return 0;
	}

	if (ctx->meta->seq_num == 0) {
		tasks_seen = 0;
		threads_seen = 0;
		BPF_SEQ_PRINTF(seq, "    tgid      pid    state comm\n");
	}

	tasks_seen++;
	if (task->pid != task->tgid)
		threads_seen++;

	BPF_SEQ_PRINTF(seq, "%8d %8d %8u %s\n", task->tgid, task->pid,
		       BPF_CORE_READ(task, __state), task->comm);
	return 0;
}
