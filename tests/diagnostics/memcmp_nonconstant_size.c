int f(const char *a, const char *b, int n)
{
	return __builtin_memcmp(a, b, n) == 0;
}

// expect-error: 3:32: memcmp.*constant size
// expect-hint: 3:32: size at compile time
