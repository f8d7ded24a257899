int f(void)
{
	int g(void) = 0;

	return 0;
}

// A block-scope function declaration cannot have an initializer.
// expect-error: 3:6: illegal initializer|only variables can be initialized
