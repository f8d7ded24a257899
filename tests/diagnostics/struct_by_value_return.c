struct pair {
	int a, b;
};

static __attribute__((noinline)) struct pair make(int a)
{
	struct pair p = { a, a };

	return p;
}

int f(int x)
{
	return make(x).b;
}

// Not inlined: BPF functions return one register (clang-19 reports at the function).
// expect-error: 5:46: aggregate returns are not supported
// expect-hint: 5:46: pointer|__always_inline
