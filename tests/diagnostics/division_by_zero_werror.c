#define BUCKETS 0

unsigned int bucket(unsigned int hash)
{
	return hash % BUCKETS;
}

// A warning made an error by -Werror; reported at the operator, as clang does.
// flags: -Werror
// expect-error: 5:14: remainder by zero is undefined
