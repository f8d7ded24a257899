struct ops {
	int (*apply)(int);
};

static int twice(int x)
{
	return 2 * x;
}

__attribute__((section("tc"), used))
int entry(void *ctx)
{
	struct ops o = { .apply = twice };

	return o.apply((int)(long)ctx);
}

// A call through a struct member is a call through a function pointer.
// expect-error: 15:9: function pointer
// expect-hint: 15:9: switch|bpf_tail_call
