int same_slot(int *slot, long *other)
{
	return slot
	       == other;
}

// clang warns (at the operator) and compares the addresses; -Werror makes it an error.
// flags: -Werror
// expect-error: 4:9: comparison of distinct pointer types \('int \*' and 'long \*'\)
