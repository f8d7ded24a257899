int f(int n)
{
	return *n;
}

// expect-error: 3:9: indirection requires pointer operand
