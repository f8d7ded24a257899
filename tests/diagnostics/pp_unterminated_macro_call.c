#define TWICE(a) ((a) * 2)

int x = TWICE(1;

int f(void)
{
	return x;
}

// expect-error: 3:9: unterminated function-like macro invocation
// allow-other-errors
