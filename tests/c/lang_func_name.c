/* The predefined identifier __func__ (C99) and GCC's __FUNCTION__ / __PRETTY_FUNCTION__. */
#include "lang.h"

static __always_inline int name_length(const char *s)
{
	int n = 0;
#pragma unroll
	for (int i = 0; i < 32; i++) {
		if (!s[i])
			break;
		n++;
	}
	return n;
}

SEC("tc")
int check_func_name(struct __sk_buff *skb)
{
	ASSERT(16, sizeof(__func__));           /* "check_func_name" and its NUL */
	ASSERT('c', __func__[0]);
	ASSERT('e', __func__[14]);
	ASSERT(0, __func__[15]);
	ASSERT(15, name_length(__func__));
	ASSERT('c', __FUNCTION__[0]);
	ASSERT(16, sizeof(__FUNCTION__));
	ASSERT(1, sizeof(__PRETTY_FUNCTION__) >= sizeof(__func__));   /* clang adds the signature */
	return 0;
}

char _license[] SEC("license") = "GPL";
