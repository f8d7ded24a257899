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

/* The shapes of bounded loop the verifier accepts, none of them unrolled. */
SEC("tc")
int check_break_bound(struct __sk_buff *skb)
{
	int i, s = 0;

	for (i = 0;; i++) {                                   /* the bound as `if (…) break;` */
		if (i >= 60)
			break;
		s += opq_i(1);
	}
	ASSERT(60, s);
	i = 0;
	while (1) {
		if (i >= 50 || opq_i(i) == 37)
			break;
		i++;
	}
	ASSERT(37, i);
	return 0;
}

SEC("tc")
int check_continue_kept(struct __sk_buff *skb)
{
	int i, even = 0;

	for (i = 0; i < 40; i++) {
		if (opq_i(i) & 1)
			continue;
		even++;
	}
	ASSERT(20, even);
	return 0;
}

SEC("tc")
int check_count_down(struct __sk_buff *skb)
{
	int i = 101, s = 0, n = opq_i(37);

	while (i > 0 && i > n) {                              /* a runtime bound too */
		s++;
		i -= 2;
	}
	ASSERT(32, s);
	ASSERT(37, i);
	return 0;
}

SEC("tc")
int check_nested_kept(struct __sk_buff *skb)
{
	int s = 0;

	for (int i = 0; i < 6; i++)
		for (int j = i; j < 8; j++)
			s += opq_i(1);
	ASSERT(8 + 7 + 6 + 5 + 4 + 3, s);
	return 0;
}

SEC("tc")
int check_increment_in_condition(struct __sk_buff *skb)
{
	int i = 0, s = 0;

	do
		s += opq_i(i);
	while (++i < 40);
	ASSERT(780, s);
	i = 0;
	s = 0;
	while (i++ < 30)
		s += opq_i(1);
	ASSERT(30, s);
	ASSERT(31, i);
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
