int f(int x)
{
	{
		int y = x;
		__label__ done;

done:
		return y;
	}
}

// Local labels are declared at the start of a block, before declarations and statements
// (clang-19 says "expected expression" here).
// expect-error: 5:3: local label declarations must come at the beginning of a block|expected expression
