struct sample {
	long values[3];
};

static __attribute__((noinline)) long total(struct sample s)
{
	return s.values[0] + s.values[1] + s.values[2];
}

long f(struct sample *q)
{
	return total(*q);
}

// A 24-byte struct needs the stack, which BPF calls cannot pass (clang-19: "pass by value not
// supported", at the caller); an inlined callee could take it.
// expect-error: 12:9: pass by value not supported: 'total' takes 'struct sample' \(24 bytes\)
// expect-hint: 12:9: pointer|__always_inline
