long *widen(int *p)
{
	return p;
}

// A warning in clang-19 (-Wincompatible-pointer-types); -Werror makes it an error.
// flags: -Werror
// expect-error: 3:9: incompatible pointer types
