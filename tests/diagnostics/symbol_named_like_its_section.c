__attribute__((section("xdp"), used))
int xdp(void *ctx)
{
	return 2;
}

char _license[] __attribute__((section("license"), used)) = "GPL";

// Like a global named 'license' in section "license": the symbol collides with
// the section's name (clang-19: "xdp changed binding to STB_GLOBAL").
// expect-error: 2:5: 'xdp'
