struct __sk_buff { unsigned int len; unsigned int mark; };

/* Inlining does not make this bound a constant: the count comes from the packet. */
static inline __attribute__((always_inline)) unsigned int sum_to(unsigned int n)
{
	unsigned int sum = 0;

	for (unsigned int i = 0; i < n; i++)
		sum += i * i + (sum >> 3);
	return sum;
}

__attribute__((section("tc"), used))
int prog(struct __sk_buff *skb)
{
	return sum_to(skb->len) + sum_to(16);
}

// expect-error: 8:2: the BPF verifier cannot prove this loop terminates
// expect-hint: 8:2: bound it
