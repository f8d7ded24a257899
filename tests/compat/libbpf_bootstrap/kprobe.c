// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* libbpf-bootstrap's "kprobe" shape, on the function behind open(2) and openat(2): the
 * entry probe saves the directory fd and the user's path per thread, the return probe
 * completes the record with the returned fd. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define PATH_LEN 64

struct open_call {
	int dfd;
	long ret;
	char path[PATH_LEN];
};

int my_pid = 0;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, u32);
	__type(value, struct open_call);
} in_flight SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 256);
	__type(key, struct open_call);
	__type(value, u64);
} opened SEC(".maps");

SEC("kprobe/do_sys_openat2")
int BPF_KPROBE(do_sys_openat2, int dfd, const char *filename)
{
	u64 id = bpf_get_current_pid_tgid();
	u32 tid = (u32)id;
	struct open_call call = {};

	if (id >> 32 != my_pid)
		return 0;

	call.dfd = dfd;
	bpf_probe_read_user_str(call.path, sizeof(call.path), filename);
	bpf_map_update_elem(&in_flight, &tid, &call, BPF_ANY);
	bpf_printk("KPROBE ENTRY pid = %d, filename = %s\n", (int)(id >> 32), call.path);
	return 0;
}

SEC("kretprobe/do_sys_openat2")
int BPF_KRETPROBE(do_sys_openat2_exit, long ret)
{
	u32 tid = (u32)bpf_get_current_pid_tgid();
	struct open_call *call;
	u64 ts = bpf_ktime_get_ns();

	call = bpf_map_lookup_elem(&in_flight, &tid);
	if (!call)
		return 0;

	call->ret = ret;
	bpf_map_update_elem(&opened, call, &ts, BPF_ANY);
	bpf_map_delete_elem(&in_flight, &tid);
	bpf_printk("KPROBE EXIT: ret = %ld\n", ret);
	return 0;
}
