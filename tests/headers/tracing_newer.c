/* <bpf/bpf_tracing.h>'s newer wrappers.  BPF_PROG2 unpacks a raw tracepoint's u64 arguments,
 * a 16-byte struct taking two of them; a test run passes them as the context.  BPF_UPROBE and
 * BPF_URETPROBE record a call of libc's kill(2) and its result, attached as uprobes.
 * Needs -D__TARGET_ARCH_x86. */
#include <linux/types.h>
#include <linux/ptrace.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

/* Debian's libbpf-dev 1.1 predates these (libbpf 1.2), which are libbpf's kprobe wrappers. */
#ifndef BPF_UPROBE
#define BPF_UPROBE(name, args...) BPF_KPROBE(name, ##args)
#define BPF_URETPROBE(name, args...) BPF_KRETPROBE(name, ##args)
#endif

struct span {
	__u64 from, to;
};

union word {
	__u32 all;
	__u8 bytes[4];
};

__u32 my_pid;
__s64 kill_pid, kill_sig, kill_ret;
__u32 kill_calls;

SEC("raw_tp/sys_enter")
int BPF_PROG2(unpack2, int, a, struct span, s, char, c, union word, w, long, d)
{
	return a * 100000 + (s.to - s.from) * 1000 + c * 100 + w.bytes[1] * 10 + d;
}

SEC("raw_tp/sys_enter")
int BPF_PROG2(no_arguments)
{
	return ctx != 0;
}

SEC("uprobe")
int BPF_UPROBE(on_kill, int pid, int sig)
{
	if (bpf_get_current_pid_tgid() >> 32 != my_pid)
		return 0;
	kill_pid = pid;
	kill_sig = sig;
	kill_calls++;
	return 0;
}

SEC("uretprobe")
int BPF_URETPROBE(on_kill_return, int ret)
{
	if (bpf_get_current_pid_tgid() >> 32 == my_pid)
		kill_ret = ret;
	return 0;
}

char _license[] SEC("license") = "GPL";
