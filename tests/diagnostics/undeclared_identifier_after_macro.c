#define MAX(a, b) ((a) > (b) ? (a) : (b))

int f(int x)
{
	int a = MAX(x, 2) + z;

	return a;
}

int g(int x)
{
	return MAX(x, w);
}

// Columns are the source's, not the expanded text's: `z` follows a macro
// whose expansion is longer than its invocation; `w` is a macro argument
// (clang reports at the argument's spelling).
// expect-error: 5:22: use of undeclared identifier 'z'
// expect-error: 12:16: use of undeclared identifier 'w'
