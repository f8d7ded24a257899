struct a {
	int x;
};
#pragma clang attribute pop

int f(void)
{
	return 0;
}

// Every pop closes a region a push opened.
// expect-error: 4:15: '#pragma clang attribute pop' with no matching '#pragma clang attribute push'
