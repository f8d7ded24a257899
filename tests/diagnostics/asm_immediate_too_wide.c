int f(void *ctx)
{
	unsigned long long v;

	asm volatile("%0 = 0x100000000" : "=r"(v));
	return v;
}

// A move's immediate is a sign-extended 32-bit field; a wider one needs `ll`.
// expect-error: 5:2: immediate 0x100000000 of '%0 = 0x100000000' does not fit in 32 bits
// expect-hint: 5:2: rN = imm ll
