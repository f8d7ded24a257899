int f(void *ctx, int helper)
{
	asm volatile("call %[id]" :: [id]"i"(helper) : "r0", "r1", "r2", "r3", "r4", "r5");
	return 0;
}

// The helper number is part of the instruction.
// expect-error: 3:2: 'call %0' needs a constant helper number
