struct key {
	int id;
};

static long (*bpf_lookup)(struct key k) = (void *)1;

long f(int id)
{
	struct key k = { id };

	return bpf_lookup(k);
}

// Helpers take scalars and pointers in registers; no helper takes a struct.
// expect-error: 11:20: passing a struct by value to 'bpf_lookup'
