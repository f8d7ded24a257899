static char a[2048], b[2048];

int f(void)
{
	return __builtin_memcmp(a, b, sizeof(a));
}

// LLVM expands memcmp with at most 128 loads from each side; clang-19 would leave a call to
// a memcmp that no BPF object can link.
// expect-error: 5:32: memcmp of 2048 bytes is too long
// expect-hint: 5:32: at most 1024 bytes
