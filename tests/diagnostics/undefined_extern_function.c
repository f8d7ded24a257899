extern int compute(int x);

__attribute__((section("tc"), used))
int entry(void *ctx)
{
	return compute((int)(long)ctx);
}

// BPF objects are not linked: a non-helper function must be defined here.
// expect-error: 6:9: 'compute'.*not defined
// expect-hint: 6:9: __ksym
