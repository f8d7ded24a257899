int owner;

__attribute__((section("tc"), used))
int prog(void *ctx)
{
	return __sync_val_compare_and_swap(&owner, 0, 1);
}

// v1 and v2 have no 32-bit cmpxchg (LLVM's wording; clang-19 then crashes).
// flags: -mcpu=v1
// expect-error: 6:9: unsupported atomic operation, please use 64 bit version
// expect-hint: 6:9: -mcpu=v3
