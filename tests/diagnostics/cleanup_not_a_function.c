static int release;

int f(int n)
{
	int held __attribute__((cleanup(release))) = n;

	return held;
}

// expect-error: 5:34: 'cleanup' argument 'release' is not a function
