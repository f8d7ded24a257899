int f(int x)
{
	{
		__label__ again, again;

again:
		x++;
	}
	return x;
}

// GCC's words: "duplicate label declaration"; clang-19 reports the later uses as ambiguous.
// expect-error: 4:20: duplicate label declaration 'again'
