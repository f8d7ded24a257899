int f(int x)
{
	return x + a;
}

static int g(int x)
{
	return b * x;
}

int h(void)
{
	return undeclared_function(1);
}

// Every error is reported, not only the first (as clang does).
// expect-error: 3:13: use of undeclared identifier 'a'
// expect-error: 8:9: use of undeclared identifier 'b'
// expect-error: 13:9: call to undeclared function 'undeclared_function'
