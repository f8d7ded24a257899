void *alloca(unsigned long size);

int f(int n)
{
	char *p = alloca(16);

	p[0] = (char)n;
	return p[0];
}

// The C library's alloca is the builtin when the program does not define it (as in clang).
// expect-error: 5:12: 'alloca' is not supported by BPF
// expect-hint: 5:12: fixed size
