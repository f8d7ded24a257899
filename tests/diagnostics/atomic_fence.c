static int a, b;

void f(void)
{
	a = 1;
	__sync_synchronize();
	b = 1;
}

// No BPF fence instruction (clang-19's back end stops at it).
// expect-error: 6:2: '__sync_synchronize' is not supported by BPF
// expect-hint: 6:2: fully ordered
