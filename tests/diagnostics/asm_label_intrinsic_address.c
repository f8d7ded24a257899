unsigned long long load_byte(void *skb, unsigned long long off) asm("llvm.bpf.load.byte");

unsigned long long (*loader)(void *, unsigned long long) = load_byte;

int f(void *skb)
{
	return 0;
}

// An intrinsic has no address (LLVM's verifier: "Cannot take the address of an intrinsic!").
// expect-error: 3:60: cannot take the address of LLVM intrinsic 'llvm.bpf.load.byte'
