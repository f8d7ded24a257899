struct __sk_buff { unsigned int len; unsigned int data; };

__attribute__((section("tc"), used))
int checksum(struct __sk_buff *skb)
{
	unsigned char *data = (unsigned char *)(long)skb->data;
	unsigned int i, sum = 0;

#pragma nounroll
	for (i = 0; i < 64; i++)
		sum += data[i];
	return sum;
}

// A bounded loop is fine for kernels since 5.3, but --strict-loops allows no loops at all.
// flags: --strict-loops
// expect-error: 10:2: loop
// expect-hint: 10:2: unroll
