struct pair {
	long a, b;
};

static __attribute__((noinline)) long add(struct pair p, struct pair q, long r, long s)
{
	return p.a + q.b + r + s;
}

long f(struct pair *x, long y)
{
	return add(*x, *x, y, y);
}

// Each 16-byte struct takes two registers: six in all, one more than BPF has.
// expect-error: 5:39: function 'add' takes 4 arguments in 6 registers
