int f(void *ctx)
{
	int hits asm("hits_counter") = 1;
	return hits;
}

// clang-19 warns (no -W group) and ignores the label; an error here under -Werror.
// flags: -Werror
// expect-error: 3:15: ignored asm label 'hits_counter' on automatic variable
