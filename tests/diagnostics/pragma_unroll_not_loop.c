int f(int x)
{
	int i = 0;
#pragma unroll
	i = x;
	return i;
}

// clang reports at the statement that follows the pragma.
// expect-error: 5:2: expected a for, while, or do-while loop to follow '#pragma unroll'
