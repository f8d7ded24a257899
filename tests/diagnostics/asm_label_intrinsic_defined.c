unsigned long long load_byte(void *skb, unsigned long long off) asm("llvm.bpf.load.byte");

unsigned long long load_byte(void *skb, unsigned long long off)
{
	return off;
}

// LLVM's verifier refuses a definition of an intrinsic ("llvm intrinsics cannot be defined!").
// expect-error: 3:20: LLVM intrinsic 'llvm.bpf.load.byte' cannot be defined
