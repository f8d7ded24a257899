int f(void)
{
	foo_t x = 1;

	return x;
}

// A type from a header that was not included.  clang-19 says "use of undeclared
// identifier 'foo_t'" here; "unknown type name 'foo_t'" is as good.  Either way: at the type.
// expect-error: 3:2: (unknown type name|undeclared identifier) 'foo_t'
