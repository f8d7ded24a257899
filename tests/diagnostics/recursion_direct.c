static int fact(int n)
{
	if (n <= 1)
		return 1;
	return n * fact(n - 1);
}

__attribute__((section("tc"), used))
int entry(void *ctx)
{
	return fact((int)(long)ctx);
}

// expect-error: 5:13: recursi.*'fact'
// expect-hint: 5:13: loop
