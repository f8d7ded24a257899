int f(void)
{
	const char *s = "été"; return x;
}

// Columns count bytes, as clang and GCC do (and editors such as vim expect): the two
// UTF-8 characters before `x` are two bytes each.
// expect-error: 3:34: use of undeclared identifier 'x'
