int compute(void);

__attribute__((section("tc"), used))
int entry(void *ctx)
{
	return compute != 0;
}

// Using (not calling) a function that is declared but not defined.
// expect-error: 6:9: 'compute'.*not defined
