struct pair {
	int a, b;
};

static struct pair make(int a)
{
	struct pair p = { a, a };

	return p;
}

// expect-error: 5:20: struct by value
