int compute(int x);

__attribute__((section("tc"), used))
int entry(void *ctx)
{
	int (*fn)(int) = &compute;

	return fn != 0;
}

// The address of a function that is declared but not defined: nothing would link it in.
// expect-error: 6:20: 'compute'.*not defined
