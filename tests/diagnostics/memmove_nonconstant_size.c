void *memmove(void *dst, const void *src, unsigned long n);

int f(char *buf, unsigned long n)
{
	memmove(buf + 1, buf, n);
	return 0;
}

// The library spelling is the builtin (as in clang); clang-19 reports the call only in its back end.
// expect-error: 5:24: memmove.*constant size
// expect-hint: 5:24: size at compile time
