int f(void *ctx)
{
	int x = 1;

	asm volatile("%0 += 1" : "+m"(x));
	return x;
}

// expect-error: 5:2: asm operand constraint '\+m' is not supported
