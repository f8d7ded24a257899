int pick(int a, void);

int f(void)
{
	return 0;
}

// A `void` parameter list says "no parameters"; next to others it is an error (clang-19's words).
// expect-error: 1:21: 'void' must be the first and only parameter if specified
