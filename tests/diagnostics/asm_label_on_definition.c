int count(void *ctx) asm("count_v2")
{
	return 1;
}

// clang-19 takes an asm label on a declaration only; it reports the body's brace.
// expect-error: 1:37: expected ';' after top level declarator
