#pragma clang attribute push (__attribute__((preserve_access_index)), apply_to = record)
struct a {
	int x;
};

int f(struct a *p)
{
	return p->x;
}

// A region pushed must be popped before the end of the file.
// expect-error: 1:15: unterminated '#pragma clang attribute push' at end of file
