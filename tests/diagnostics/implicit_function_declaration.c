int f(int x)
{
	return 1 + compute(x, 2);
}

// expect-error: 3:13: call to undeclared function 'compute'.*implicit function declaration
