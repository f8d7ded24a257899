#define PICK(a, a) (a)

int f(void)
{
	return 0;
}

// expect-error: 1:17: duplicate macro parameter name 'a'
