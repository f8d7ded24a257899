long counter;

__attribute__((section("xdp"), used))
int prog(void *ctx)
{
	long before = __atomic_fetch_add(&counter, 2, __ATOMIC_SEQ_CST);

	return before > 10;
}

// A 64-bit add whose old value is used needs the fetching instruction, which v2 lacks.
// flags: -mcpu=v2
// expect-error: 6:16: Invalid usage of the XADD return value
// expect-hint: 6:16: -mcpu=v3
