int f(void x)
{
	return 0;
}

// expect-error: 1:12: argument may not have 'void' type|void
