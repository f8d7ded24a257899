int f(int n)
{
	char buf[n];

	buf[0] = 1;
	return buf[0];
}

// expect-error: 3:11: variable[- ]length array
// expect-hint: 3:11: fixed size
