int f(int x)
{
	return x * 2.5;
}

// expect-error: 3:13: floating[- ]point
// expect-hint: 3:13: no floating-point
