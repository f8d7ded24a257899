struct __sk_buff { unsigned int len; unsigned int data; };

__attribute__((section("tc"), used))
int checksum(struct __sk_buff *skb)
{
	unsigned char *data = (unsigned char *)(long)skb->data;
	unsigned int i = 0, sum = 0;

	while (i < skb->len) {
		sum += data[i];
		i++;
	}
	return sum;
}

// expect-error: 9:2: loop
// expect-hint: 9:2: unroll|bound|bpf_loop
