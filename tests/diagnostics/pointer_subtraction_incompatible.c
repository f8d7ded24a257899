long distance(int *start, long *end)
{
	return end - start;
}

// Reported at the operator, as clang does.
// expect-error: 3:13: 'long \*' and 'int \*' are not pointers to compatible types
