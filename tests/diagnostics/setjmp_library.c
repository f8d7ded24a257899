typedef long jmp_buf[8];
int setjmp(jmp_buf env);
void longjmp(jmp_buf env, int value);

static jmp_buf env;

int f(int n)
{
	if (n)
		longjmp(env, n);
	return setjmp(env);
}

// The C library's setjmp and longjmp, declared but not defined: builtins BPF cannot have.
// expect-error: 10:3: 'longjmp' is not supported by BPF
// expect-hint: 10:3: return an error code
