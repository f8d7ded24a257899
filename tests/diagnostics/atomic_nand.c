static int bits;

int f(int mask)
{
	return __sync_fetch_and_nand(&bits, mask);
}

// No BPF instruction (clang-19's back end stops at it).
// expect-error: 5:9: '__sync_fetch_and_nand' is not supported by BPF
// expect-hint: 5:9: __sync_val_compare_and_swap
