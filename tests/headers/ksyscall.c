/* <bpf/bpf_tracing.h>'s BPF_KSYSCALL and BPF_KPROBE_SYSCALL: a system call's arguments, read
 * through the user's struct pt_regs where the kernel wraps system calls (libbpf says whether
 * through the LINUX_HAS_SYSCALL_WRAPPER kconfig extern).  This kernel has no kprobes: the
 * verifier checks the programs when they load.  Needs -D__TARGET_ARCH_x86. */
#include <linux/types.h>
#include <linux/ptrace.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

__s64 syscall_pid, syscall_sig;
__u64 syscall_calls;

SEC("ksyscall/kill")
int BPF_KSYSCALL(on_sys_kill, int pid, int sig)
{
	syscall_pid = pid;
	syscall_sig = sig;
	return 0;
}

SEC("ksyscall/pread64")
int BPF_KPROBE_SYSCALL(on_sys_pread, unsigned int fd, char *buf, unsigned long count, long pos)
{
	syscall_calls += fd + count + pos + (buf != 0);
	return 0;
}

char _license[] SEC("license") = "GPL";
