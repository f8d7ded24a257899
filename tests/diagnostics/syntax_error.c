int f(int x)
{
	int y = x +;

	return y;
}

// expect-error: 3:13: (?i)expected expression|syntax error|invalid expression
