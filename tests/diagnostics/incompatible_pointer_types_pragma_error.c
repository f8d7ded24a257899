#pragma GCC diagnostic error "-Wincompatible-pointer-types"
long *widen(int *p)
{
	return p;
}

// A warning in clang-19 (-Wincompatible-pointer-types) that the pragma makes an error.
// expect-error: 4:9: incompatible pointer types returning 'int \*' from a function with result type 'long \*'
