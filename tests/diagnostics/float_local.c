int f(int x)
{
	double scaled;

	scaled = x;
	return (int)scaled;
}

// expect-error: 3:9: floating[- ]point
// expect-hint: 3:9: no floating-point
