int sum(int *p)
{
	int s = 0;

#pragma GCC unroll 4000000000
	for (int i = 0; i < 16; i++)
		s += p[i];
	return s;
}

// expect-error: 5:20: value '4000000000' is too large
