static int flag;

int f(int order)
{
	return __atomic_load_n(&flag, order);
}

// expect-error: 5:32: memory order.*must be a constant
// expect-hint: 5:32: __ATOMIC_
