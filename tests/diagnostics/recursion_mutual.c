static int is_odd(int n);

static int is_even(int n)
{
	return n == 0 ? 1 : is_odd(n - 1);
}

static int is_odd(int n)
{
	return n == 0 ? 0 : is_even(n - 1);
}

__attribute__((section("tc"), used))
int entry(void *ctx)
{
	return is_even((int)(long)ctx);
}

// One error, at the call that closes the cycle is_even -> is_odd -> is_even
// (reading the program top-down, or following calls from the entry point).
// expect-error: 10:22: recursi.*'is_even'
// expect-hint: 10:22: loop
