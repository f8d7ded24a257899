static unsigned short hits;

void f(void)
{
	__sync_fetch_and_add(&hits, 1);
}

// clang-19's wording (it reports at the function).
// expect-error: 5:2: unsupported atomic operation, please use 32/64 bit version
// expect-hint: 5:2: 32- and 64-bit
