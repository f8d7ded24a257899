/* <bpf/bpf_tracing.h>'s wrappers: BPF_PROG unpacks a raw tracepoint's u64 arguments, which a
 * test run passes as the context; BPF_KPROBE and BPF_KRETPROBE read x86-64 registers, which
 * the verifier checks against struct pt_regs when they load.  Needs -D__TARGET_ARCH_x86. */
#include <linux/types.h>
#include <linux/ptrace.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

__u64 last_ip, last_ret;

SEC("raw_tp/sys_enter")
int BPF_PROG(unpack, int a, long b, void *p)
{
	return a * 1000 + b * 10 + (p != 0);
}

SEC("kprobe/bpf_fentry_test1")
int BPF_KPROBE(on_entry, int a, long b, void *c, char d, unsigned long e)
{
	last_ip = PT_REGS_IP(ctx) + a + b + d + e + (c != 0);
	return 0;
}

SEC("kretprobe/bpf_fentry_test1")
int BPF_KRETPROBE(on_return, int ret)
{
	last_ret = ret + PT_REGS_SP(ctx);
	return 0;
}

char _license[] SEC("license") = "GPL";
