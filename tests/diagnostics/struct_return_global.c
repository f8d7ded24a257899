struct pair {
	int a, b;
};

struct pair make(int a)
{
	struct pair p = { a, a + 1 };

	return p;
}

// A global function is emitted even if nothing calls it, so its struct return is an error.
// expect-error: 5:13: aggregate returns are not supported
