#define COUNT (2 - 4)

int sum(int *p)
{
	int s = 0;

#pragma clang loop unroll_count(COUNT)
	for (int i = 0; i < 16; i++)
		s += p[i];
	return s;
}

// The macro is expanded, as clang does, and the value checked.
// expect-error: 7:33: invalid value '-2'; must be positive
