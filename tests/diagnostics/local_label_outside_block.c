int f(int x)
{
	{
		__label__ out;

		if (x)
			goto out;
		x++;
out:
		x++;
	}
	goto out;
	return x;
}

// A local label is visible only in the block that declares it.
// expect-error: 12:7: use of undeclared label 'out'
