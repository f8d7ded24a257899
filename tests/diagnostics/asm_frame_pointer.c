int f(void *ctx)
{
	unsigned long long v;

	asm volatile("%0 = r10" : "=r"(v));
	return v;
}

// expect-error: 5:2: '%0 = r10' uses r10: only r0-r9 can be translated into IR
