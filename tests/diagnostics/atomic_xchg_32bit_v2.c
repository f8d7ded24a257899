int state;

__attribute__((section("tc"), used))
int prog(void *ctx)
{
	return __atomic_exchange_n(&state, 3, __ATOMIC_SEQ_CST);
}

// flags: -mcpu=v2
// expect-error: 6:9: unsupported atomic operation, please use 64 bit version
// expect-hint: 6:9: -mcpu=v3
