int sum(int *p, int n)
{
	int s = 0;

#pragma unroll n
	for (int i = 0; i < 16; i++)
		s += p[i];
	return s;
}

// clang evaluates the count as an integer constant expression, at the count.
// expect-error: 5:16: expression is not an integer constant expression
