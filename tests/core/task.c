/* CO-RE reads of the current task through a local flavour of the kernel's task_struct: libbpf
 * matches `task_struct___local` to the running kernel's `task_struct` and patches each offset.
 * Run with BPF_PROG_TEST_RUN, bpf_get_current_task() is the test process's own task. */
#include <linux/types.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

struct list_head___local {
	struct list_head___local *next, *prev;
};

/* Member order and offsets deliberately unlike the kernel's. */
struct task_struct___local {
	int no_such_field;
	struct task_struct___local *real_parent;
	int tgid;
	int pid;
	struct list_head___local children;
	char comm[16];
} __attribute__((preserve_access_index));

struct no_such_type___local {
	int x;
};

SEC("raw_tp/sys_enter")
int read_pid(void *ctx)
{
	struct task_struct___local *task = (void *)bpf_get_current_task();

	return BPF_CORE_READ(task, pid);
}

SEC("raw_tp/sys_enter")
int read_parent_tgid(void *ctx)
{
	struct task_struct___local *task = (void *)bpf_get_current_task();

	return BPF_CORE_READ(task, real_parent, tgid);
}

/* A nested struct member, then a pointer from it. */
SEC("raw_tp/sys_enter")
int read_children_offset(void *ctx)
{
	struct task_struct___local *task = (void *)bpf_get_current_task();

	return bpf_core_field_offset(task->children.prev) - bpf_core_field_offset(task->children);
}

/* The same reads, spelled with __builtin_preserve_access_index on a record without the attribute. */
struct task_struct___plain {
	int pid;
};

SEC("raw_tp/sys_enter")
int read_pid_builtin(void *ctx)
{
	struct task_struct___plain *task = (void *)bpf_get_current_task();
	int pid = 0;

	bpf_probe_read_kernel(&pid, sizeof(pid), __builtin_preserve_access_index(&task->pid));
	return pid;
}

SEC("raw_tp/sys_enter")
int field_exists(void *ctx)
{
	struct task_struct___local *task = 0;

	return bpf_core_field_exists(task->pid) | bpf_core_field_exists(task->no_such_field) << 1
	       | bpf_core_field_exists(struct task_struct___local, comm) << 2;
}

SEC("raw_tp/sys_enter")
int field_size(void *ctx)
{
	struct task_struct___local *task = 0;

	return bpf_core_field_size(task->pid) | bpf_core_field_size(task->comm) << 8;
}

SEC("raw_tp/sys_enter")
int field_offset(void *ctx)
{
	return bpf_core_field_offset(struct task_struct___local, tgid);
}

SEC("raw_tp/sys_enter")
int type_exists(void *ctx)
{
	return bpf_core_type_exists(struct task_struct___local) | bpf_core_type_exists(struct no_such_type___local) << 1;
}

SEC("raw_tp/sys_enter")
int type_size(void *ctx)
{
	return bpf_core_type_size(struct task_struct___local);
}

SEC("raw_tp/sys_enter")
int type_id(void *ctx)
{
	return bpf_core_type_id_kernel(struct task_struct___local);
}

char LICENSE[] SEC("license") = "GPL";
