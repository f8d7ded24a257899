int f(void)
{
	int y = 1;

	return y + x;
}

// expect-error: 5:13: use of undeclared identifier 'x'
