#pragma clang attribute push (__attribute__((preserve_access_index)))
struct a {
	int x;
};

int f(struct a *p)
{
	return p->x;
}

// The attribute must be followed by the subjects it applies to.
// expect-error: 1:15: expected '\(__attribute__\(\(…\)\), apply_to = …\)' after '#pragma clang attribute push'
