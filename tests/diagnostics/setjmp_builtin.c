static void *env[5];

int f(int n)
{
	if (__builtin_setjmp(env))
		return 1;
	return n;
}

// clang-19's wording; BPF cannot jump back into a frame.
// expect-error: 5:6: __builtin_setjmp is not supported for the current target
// expect-hint: 5:6: return an error code
