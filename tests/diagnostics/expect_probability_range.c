int f(int x)
{
	if (__builtin_expect_with_probability(x > 3, 1, 1.5))
		return 1;
	return 0;
}

// expect-error: 3:50: probability argument to __builtin_expect_with_probability is outside the range
