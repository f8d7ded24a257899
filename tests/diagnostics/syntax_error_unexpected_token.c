int f(int x)
{
	if x
		return 1;
	return 0;
}

// expect-error: 3:5: (?i)expected '\('|syntax error
