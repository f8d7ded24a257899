int sum6(int a, int b, int c, int d, int e, int f)
{
	return a + b + c + d + e + f;
}

// expect-error: 1:5: 'sum6'.*\b6 arguments
// expect-hint: 1:5: __always_inline|pointer to a struct
