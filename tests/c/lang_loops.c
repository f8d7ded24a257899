/* Loops the optimiser does not unroll: bounded loops, which kernels since 5.3 verify. */
#include "lang.h"

#define MAX_BYTES 128

SEC("tc")
int check_bounded_for(struct __sk_buff *skb)
{
	int i, s = 0;

	for (i = 0; i < 1000; i++)
		s += opq_i(i) & 3;
	ASSERT(1500, s);
	return 0;
}

SEC("tc")
int check_runtime_bound(struct __sk_buff *skb)
{
	int n = opq_i(300), s = 0;

	for (int i = 0; i < 1000 && i < n; i++)
		s += opq_i(1);
	ASSERT(300, s);
	{
		int i = 0;
		while (i < 500) {
			if (opq_i(i) == 77)
				break;
			i++;
		}
		ASSERT(77, i);
	}
	{
		int i = 0, odd = 0;
		do {
			i++;
			if (opq_i(i) % 2 == 0)
				continue;
			odd++;
		} while (i < 201);
		ASSERT(101, odd);
	}
	return 0;
}

/* A loop over the packet, with a bounds check in every iteration. */
SEC("xdp")
int check_packet_loop(struct xdp_md *ctx)
{
	unsigned char *data = (void *)(long)ctx->data;
	unsigned char *data_end = (void *)(long)ctx->data_end;
	unsigned int sum = 0, i;

	for (i = 0; i < MAX_BYTES; i++) {
		if (data + i + 1 > data_end)
			break;
		if (i >= 42)
			sum += data[i];
	}
	ASSERT(FRAME_LEN, i);
	ASSERT(63 * 64 / 2, sum);
	return 0;
}

char _license[] SEC("license") = "GPL";
