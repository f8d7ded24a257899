struct __sk_buff { unsigned int len; unsigned int data; };

__attribute__((section("tc"), used))
int checksum(struct __sk_buff *skb)
{
	unsigned char *data = (unsigned char *)(long)skb->data;
	unsigned int i, sum = 0;

#pragma clang loop unroll(full)
	for (i = 0; i < skb->len; i++)
		sum += data[i];
	return sum;
}

// A full unroll is demanded but impossible: LLVM warns, as with clang, and the loop stays.
// expect-error: 10:2: loop
// expect-warning: 10:2: loop not unrolled
