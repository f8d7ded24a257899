struct __sk_buff { unsigned int len; unsigned int data; };

__attribute__((section("tc"), used))
int checksum(struct __sk_buff *skb)
{
	unsigned char *data = (unsigned char *)(long)skb->data;
	unsigned int i, sum = 0;

#pragma unroll
	for (i = 0; i < skb->len; i++)
		sum += data[i];
	return sum;
}

// Still a loop after unrolling: the trip count is not a constant.  `#pragma unroll` only asks
// for unrolling (llvm.loop.unroll.enable), so LLVM gives up silently, as with clang.
// expect-error: 10:2: loop
// expect-hint: 10:2: unroll|bound|bpf_loop
