int lookup(void) asm("lookup_v1");
int lookup(void) asm("lookup_v2");

int f(void *ctx)
{
	return lookup();
}

// clang-19: an error at the second declaration's name, a note at the first label.
// expect-error: 2:5: conflicting asm label
// expect-hint: 1:22: previous declaration is here
