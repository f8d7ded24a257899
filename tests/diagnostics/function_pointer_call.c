static int twice(int x)
{
	return 2 * x;
}

__attribute__((section("tc"), used))
int entry(void *ctx)
{
	int (*fn)(int) = twice;

	return fn((int)(long)ctx);
}

// expect-error: 11:9: function pointer
// expect-hint: 11:9: .
