unsigned int hits;

__attribute__((section("tc"), used))
int prog(void *ctx)
{
	if (__sync_add_and_fetch(&hits, 1) > 100)
		return 2;
	return 0;
}

// flags: -mcpu=v1
// expect-error: 6:6: Invalid usage of the XADD return value
// expect-hint: 6:6: -mcpu=v3
