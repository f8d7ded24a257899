int g(void) = 0;

int f(void)
{
	return 0;
}

// expect-error: 1:5: illegal initializer|only variables can be initialized
