int f(char *dst, const char *src, unsigned long n)
{
	__builtin_memcpy(dst, src, n);
	return 0;
}

// expect-error: 3:29: memcpy.*constant size
// expect-hint: 3:29: size at compile time
