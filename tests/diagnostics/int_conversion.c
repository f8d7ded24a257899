int f(int *p)
{
	int x = p;

	x = p;
	return x;
}

// clang-19 makes -Wint-conversion an error by default (C99 and later), and puts the
// caret at the declared variable for an initialisation and at '=' for an assignment.
// expect-error: 3:6: incompatible pointer to integer conversion
// expect-error: 5:4: incompatible pointer to integer conversion
