unsigned int flags;

__attribute__((section("tc"), used))
int prog(void *ctx)
{
	__sync_fetch_and_or(&flags, 4);
	return 0;
}

// Only add exists in 32 bits before v3, even with the result unused.
// flags: -mcpu=v1
// expect-error: 6:2: unsupported atomic operation, please use 64 bit version
// expect-hint: 6:2: -mcpu=v3
