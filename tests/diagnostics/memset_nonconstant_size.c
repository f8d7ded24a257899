int f(char *dst, unsigned long n)
{
	__builtin_memset(dst, 0, n);
	return 0;
}

// expect-error: 3:27: memset.*constant size
// expect-hint: 3:27: size at compile time
