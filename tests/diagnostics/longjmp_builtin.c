static void *env[5];

void g(void)
{
	__builtin_longjmp(env, 1);
}

// expect-error: 5:2: __builtin_longjmp is not supported for the current target
// expect-hint: 5:2: return an error code
