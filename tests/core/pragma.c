/* vmlinux.h's way: every record in a `#pragma clang attribute push` region is CO-RE, typedef'd
 * anonymous ones too (their relocations name the typedef). */
#include <linux/types.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

#pragma clang attribute push (__attribute__((preserve_access_index)), apply_to = record)
struct task_struct {
	int pid;
	struct {
		int x;
	} anon;
};
typedef struct {
	int y;
} task_alias;
#pragma clang attribute pop

SEC("raw_tp/sys_enter")
int pragma_reads(void *ctx)
{
	struct task_struct *t = (void *)bpf_get_current_task();
	task_alias *a = (void *)t;

	return BPF_CORE_READ(t, pid) + BPF_CORE_READ(t, anon.x) + BPF_CORE_READ(a, y);
}

char LICENSE[] SEC("license") = "GPL";
