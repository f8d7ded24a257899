struct __sk_buff { unsigned int len; unsigned int data; };

__attribute__((section("tc"), used))
int checksum(struct __sk_buff *skb)
{
	unsigned char *data = (unsigned char *)(long)skb->data;
	unsigned int i = 0, sum = 0;

again:
	sum += data[i];
	if (++i < skb->len)
		goto again;
	return sum;
}

// A loop made with goto has no loop statement: report it at its condition, the
// conditional jump back (what the hint asks to bound).
// expect-error: 11:2: loop
// expect-hint: 11:2: unroll|bound|bpf_loop
