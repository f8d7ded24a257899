/* Implicit conversions between pointers and integers, which clang-19 makes an error by default
 * (-Wint-conversion) but which a `GCC diagnostic` pragma turns off, as libbpf's BPF_PROG,
 * BPF_SNPRINTF and bpf_printk do: once allowed, they convert as a cast would (ptrtoint, then
 * truncation; integer to pointer after widening by the integer's own signedness). */
#include "lang.h"

/* libbpf's ___bpf_fill pattern: a pointer stored into an integer array under the pragma. */
#define STORE_IGNORING(dst, value)                                           \
	({                                                                   \
		_Pragma("GCC diagnostic push")                               \
		_Pragma("GCC diagnostic ignored \"-Wint-conversion\"")       \
		dst = value;                                                 \
		_Pragma("GCC diagnostic pop")                                \
	})

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wint-conversion"

static __attribute__((noinline)) int low_bits(int x)
{
	return x;
}

SEC("tc")
int check_pointer_to_integer(struct __sk_buff *skb)
{
	void *p = (void *)opq_ul(0x1234567890abcdefUL);
	int i = p;
	unsigned char c = p;
	long l = p;
	unsigned short s;

	ASSERT((int)0x90abcdef, i);
	ASSERT(0xef, c);
	ASSERT(0x1234567890abcdefL, l);
	ASSERT((int)0x90abcdef, low_bits(p));
	s = p;
	ASSERT(0xcdef, s);
	return 0;
}

static __attribute__((noinline)) unsigned long as_address(char *p)
{
	return (unsigned long)p;
}

SEC("tc")
int check_integer_to_pointer(struct __sk_buff *skb)
{
	char *from_int = opq_i(-2);
	char *from_uint = opq_u(0xfffffffeu);
	char *from_long = opq_l(0x123456789L);

	ASSERT(0xfffffffffffffffeUL, (unsigned long)from_int);
	ASSERT(0xfffffffeUL, (unsigned long)from_uint);
	ASSERT(0x123456789UL, (unsigned long)from_long);
	ASSERT(0x123456789UL, as_address(opq_l(0x123456789L)));
	return 0;
}

#pragma GCC diagnostic pop

SEC("tc")
int check_round_trip_in_a_macro_region(struct __sk_buff *skb)
{
	char buf[4] = {1, 2, 3, 4};
	unsigned long long slot;
	char *back;

	STORE_IGNORING(slot, buf);
	STORE_IGNORING(back, slot + 2);
	ASSERT(3, *back);
	ASSERT(1, back == buf + 2);
	return 0;
}

SEC("tc")
int check_snprintf_with_a_string_argument(struct __sk_buff *skb)
{
	static const char word[] = "tc";
	char out[16];
	long n = BPF_SNPRINTF(out, sizeof(out), "%s-%d", word, opq_i(-7));

	ASSERT(6, n);
	ASSERT('t', out[0]);
	ASSERT('c', out[1]);
	ASSERT('-', out[2]);
	ASSERT('-', out[3]);
	ASSERT('7', out[4]);
	ASSERT(0, out[5]);
	return 0;
}

char _license[] SEC("license") = "GPL";
