/* #pragma unroll and #pragma clang loop unroll(full) with constant trip counts, with break and
 * continue inside.  test_language.py also checks that bpfcc's object has no backward jump. */
#include "lang.h"

#define N 8

SEC("tc")
int check_pragma_unroll(struct __sk_buff *skb)
{
	int i, sum = 0;

#pragma unroll
	for (i = 0; i < N; i++)
		sum += opq_i(i);
	ASSERT(28, sum);
	ASSERT(N, i);

	sum = 0;
#pragma unroll
	for (int j = N - 1; j >= 0; j -= 2)
		sum = sum * 10 + opq_i(j);
	ASSERT(7531, sum);

	sum = 0;
#pragma unroll(4)
	for (int j = 0; j < 4; j++)
		sum += opq_i(j) << j;
	ASSERT(0 + 2 + 8 + 24, sum);

	sum = 0;
	i = 0;
#pragma unroll
	while (i < 5) {
		sum += opq_i(1);
		i++;
	}
	ASSERT(5, sum);
	return 0;
}

SEC("tc")
int check_clang_loop_pragma(struct __sk_buff *skb)
{
	__u64 prod = 1;

#pragma clang loop unroll(full)
	for (int i = 1; i <= 10; i++)
		prod *= opq_ul(i);
	ASSERT(3628800, prod);

	prod = 0;
#pragma clang loop unroll(full)
	for (unsigned i = 0; i < 16; i++)
		prod |= (__u64)(opq_u(i) & 1) << i;
	ASSERT(0xaaaa, prod);
	return 0;
}

SEC("tc")
int check_break_continue(struct __sk_buff *skb)
{
	int i, sum = 0, hit = -1;

#pragma unroll
	for (i = 0; i < 10; i++) {
		if (opq_u(i) % 3 == 0)
			continue;
		sum += i;                            /* 1 2 4 5 7 8 */
	}
	ASSERT(27, sum);

#pragma unroll
	for (i = 0; i < 10; i++) {
		if (opq_i(i) == 6) {
			hit = i;
			break;
		}
	}
	ASSERT(6, hit);
	ASSERT(6, i);

	sum = 0;
#pragma unroll
	for (i = 0; i < 6; i++) {
		if (i == 1)
			continue;
		if (i == 4)
			break;
		sum += 1 << i;                       /* 1 + 4 + 8 */
	}
	ASSERT(13, sum);

	return 0;
}

/* The usual use: walk a fixed number of packet bytes, each access checked. */
SEC("xdp")
int check_unrolled_packet_walk(struct xdp_md *ctx)
{
	unsigned char *data = (void *)(long)ctx->data;
	unsigned char *data_end = (void *)(long)ctx->data_end;
	unsigned char *payload = data + 42;
	unsigned int sum = 0, seen = 0;

#pragma unroll
	for (int i = 0; i < 16; i++) {
		if (payload + i + 1 > data_end)
			break;
		if (payload[i] & 1)
			continue;
		sum += payload[i];
		seen++;
	}
	ASSERT(8, seen);
	ASSERT(0 + 2 + 4 + 6 + 8 + 10 + 12 + 14, sum);
	return 0;
}

char _license[] SEC("license") = "GPL";
