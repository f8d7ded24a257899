int f(void *ctx)
{
	unsigned long long v;

	asm volatile("r1 = %[p]\n\tcall 14\n\t%[v] = r1" : [v]"=r"(v) : [p]"r"(ctx) : "r0", "r1", "r2", "r3", "r4", "r5");
	return v;
}

// A helper call leaves r1-r5 undefined: the IR translation has no value for r1 after it.
// expect-error: 5:2: '%0 = r1' reads r1 before the asm statement sets it
// expect-hint: 5:2: a helper call leaves r1-r5 undefined
