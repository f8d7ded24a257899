struct pair {
	int a, b;
};

static int add(struct pair p)
{
	return p.a + p.b;
}

// expect-error: 5:28: struct by value
