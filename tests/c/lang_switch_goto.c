/* switch (fall-through, default, GNU case ranges) and goto.
 * (These belong to the next issue; tested here to see what already works.) */
#include "lang.h"

static __always_inline int classify(int x)
{
	switch (x) {
	case 0:
		return 10;
	case 1:
	case 2:
		return 20;
	case -1:
		return 30;
	case 100:
		break;
	default:
		return 40;
	}
	return 50;
}

static __always_inline int fallthrough(int x)
{
	int r = 0;

	switch (x) {
	case 3:
		r += 100;
		/* fall through */
	case 2:
		r += 10;
		/* fall through */
	case 1:
		r += 1;
		break;
	default:
		r = -1;
	}
	return r;
}

static __always_inline int ranges(unsigned char c)
{
	switch (c) {
	case '0' ... '9':
		return 1;
	case 'a' ... 'f':
	case 'A' ... 'F':
		return 2;
	default:
		return 0;
	}
}

SEC("tc")
int check_switch(struct __sk_buff *skb)
{
	ASSERT(10, classify(opq_i(0)));
	ASSERT(20, classify(opq_i(1)));
	ASSERT(20, classify(opq_i(2)));
	ASSERT(30, classify(opq_i(-1)));
	ASSERT(50, classify(opq_i(100)));
	ASSERT(40, classify(opq_i(7)));
	ASSERT(111, fallthrough(opq_i(3)));
	ASSERT(11, fallthrough(opq_i(2)));
	ASSERT(1, fallthrough(opq_i(1)));
	ASSERT(-1, fallthrough(opq_i(9)));
	ASSERT(1, ranges(opq_uc('5')));
	ASSERT(2, ranges(opq_uc('c')));
	ASSERT(2, ranges(opq_uc('E')));
	ASSERT(0, ranges(opq_uc('g')));
	{
		int n = 0;
		switch (opq_i(5)) {
		}
		switch (opq_i(5))
		default:
			n = 1;
		ASSERT(1, n);
		switch (opq_l(0x100000000)) {
		case 0:
			n = 2;
			break;
		case 0x100000000:
			n = 3;
			break;
		}
		ASSERT(3, n);
	}
	switch (skb->protocol) {
	case bpf_htons(ETH_P_IP):
		break;
	default:
		return __LINE__;
	}
	return 0;
}

SEC("tc")
int check_goto(struct __sk_buff *skb)
{
	int r = 0, x = opq_i(2);

	if (x == 2)
		goto two;
	r = 100;
two:
	r += 2;
	ASSERT(2, r);
	if (x > 10)
		goto fail;
	goto done;
fail:
	return __LINE__;
done:
	{
		int i = 0;
again:
		i++;
		if (i < 3)
			goto again;
		ASSERT(3, i);
	}
	return 0;
}

char _license[] SEC("license") = "GPL";
