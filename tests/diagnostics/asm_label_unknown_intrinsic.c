unsigned long long load_dword(void *skb, unsigned long long off) asm("llvm.bpf.load.dword");

int f(void *skb)
{
	return load_dword(skb, 14);
}

// clang-19 passes the name to LLVM, whose BPF back end exits the process; bpfcc reports the label.
// expect-error: 1:70: asm label 'llvm.bpf.load.dword' names no LLVM intrinsic bpfcc supports
// expect-hint: 1:70: llvm.bpf.load.byte
