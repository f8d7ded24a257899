int f(void *ctx)
{
	unsigned long long v;

	asm volatile("%[v] = *(u32 *)(%[p] + 0)" : [v]"=r"(v) : [p]"r"(ctx));
	return v;
}

// llvmlite's LLVM has no BPF assembler: bpfcc translates the instructions it knows, and names the one it does not.
// expect-error: 5:2: unsupported instruction '%0 = \*\(u32 \*\)\(%1 \+ 0\)' in BPF inline asm
// expect-hint: 5:2: register moves and immediates
