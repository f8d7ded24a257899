__attribute__((section("xdp"), used))
int prog(int *ctx)
{
	return __sync_fetch_and_add(ctx, 1);
}

// BPF v1 has no fetching atomic add; clang-19 reports at the call.
// flags: -mcpu=v1
// expect-error: 4:9: Invalid usage of the XADD return value
// expect-hint: 4:9: -mcpu=v3
