static long counter;

long f(void)
{
	return __atomic_load_n(&counter, __ATOMIC_SEQ_CST);
}

// BPF has no sequentially consistent load or store (clang-19's back end stops at any atomic load).
// expect-error: 5:35: seq_cst.*not supported
// expect-hint: 5:35: __ATOMIC_ACQUIRE
