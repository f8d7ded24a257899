int f(int x)
{
	return ({
		__label__ fail;
		int r = x;

		if (r < 0)
			goto fail;
		r;
	});
}

// The statement expression declares a local label but never places it.  clang-19 reports
// the declaration, even though a goto uses the label.
// expect-error: 4:13: use of undeclared label 'fail'
