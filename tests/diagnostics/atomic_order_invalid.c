static int flag;

int f(void)
{
	return __atomic_load_n(&flag, __ATOMIC_RELEASE);
}

// A warning in clang-19, which then drops the load altogether: an error here.
// expect-error: 5:32: memory order argument to atomic operation is invalid
// expect-hint: 5:32: __ATOMIC_ACQUIRE
