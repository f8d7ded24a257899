int f(int n)
{
	char *p = __builtin_alloca(n);

	p[0] = 1;
	return p[0];
}

// BPF stack frames have a fixed size: no dynamic allocation.
// expect-error: 3:12: '__builtin_alloca' is not supported by BPF
// expect-hint: 3:12: fixed size
