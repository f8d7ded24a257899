unsigned int load_byte(void *skb, unsigned int off) asm("llvm.bpf.load.byte");

int f(void *skb)
{
	return load_byte(skb, 14);
}

// clang-19 passes the call to LLVM, whose BPF back end exits ("Do not know how to promote this operator!").
// expect-error: 1:57: LLVM intrinsic 'llvm.bpf.load.byte' declared with type 'unsigned int \(void \*, unsigned int\)'
// expect-hint: 1:57: unsigned long long \(void \*, unsigned long long\)
