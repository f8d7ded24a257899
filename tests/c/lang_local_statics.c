/* Function-scope statics: several of one name in one function are distinct objects (clang names
 * their symbols f.s, f.s.1, ...), each keeps its value between uses, and bpf_printk, whose
 * format is such a static, can be called twice in one function. */
#include "lang.h"

static __attribute__((noinline)) int bump(void)
{
	static int n = 10;
	return n++;
}

SEC("tc")
int check_same_name_in_blocks(struct __sk_buff *skb)
{
	int r = 0;
	{
		static const char s[] = "a";
		r += s[0];
	}
	{
		static const char s[] = "bc";
		r += s[1] * 1000;
		ASSERT(3, (int)sizeof(s));
	}
	ASSERT('a' + 'c' * 1000, r);
	{
		static int s = 5;
		s += opq_i(1);
		ASSERT(6, s);
		{
			static int s = 7;
			s += opq_i(2);
			ASSERT(9, s);
		}
		ASSERT(6, s);
	}
	return 0;
}

SEC("tc")
int check_statics_keep_their_value(struct __sk_buff *skb)
{
	ASSERT(10, bump());
	ASSERT(11, bump());
	{
		static int n = 100;
		n += opq_i(1);
		ASSERT(101, n);
	}
	return 0;
}

SEC("tc")
int check_two_printk(struct __sk_buff *skb)
{
	ASSERT(1, bpf_printk("lang_local_statics: one") > 0);
	ASSERT(1, bpf_printk("lang_local_statics: two %d", 2) > 0);
	return 0;
}
char _license[] SEC("license") = "GPL";
