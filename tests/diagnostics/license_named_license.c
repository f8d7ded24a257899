char license[] __attribute__((section("license"), used)) = "GPL";

__attribute__((section("tc"), used))
int entry(void *ctx)
{
	return 0;
}

// LLVM would abort the process: the symbol collides with the section's name.
// expect-error: 1:6: license
