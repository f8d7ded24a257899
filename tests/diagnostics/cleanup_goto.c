static void release(int *p)
{
	*p = 0;
}

int f(int n)
{
	{
		int held __attribute__((cleanup(release))) = n;

		if (n > 3)
			goto out;
	}
out:
	return n;
}

// bpfcc runs cleanups where break, continue and return leave a scope, not (yet) for goto.
// expect-error: 12:4: 'goto' in the scope of a variable with __attribute__\(\(cleanup\)\)
// expect-hint: 12:4: break or return
