struct pair {
	int a, b;
};

int add(struct pair p);

int f(struct pair *q)
{
	return add(*q);
}

// expect-error: 9:13: struct by value
