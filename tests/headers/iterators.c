/* Open-coded iterators (Linux 6.4) through bpf_for, bpf_repeat and bpf_for_each. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#ifndef BPFCC_HAVE_BPF_ITER_NUM	/* <linux/bpf.h> of Linux 6.4 and later defines it */
struct bpf_iter_num {
	__u64 __opaque[1];
} __attribute__((aligned(8)));
#endif

SEC("tc")
int iterate(struct __sk_buff *skb)
{
	int i, sum = 0, times = 0;
	int *v;

	bpf_for(i, 0, 10)
		sum += i;			/* 45 */
	bpf_repeat(3)
		times++;
	bpf_for_each(num, v, 5, 8)
		sum += *v * 100;		/* 1800 */
	bpf_for(i, 0, 100) {
		if (i == 4)
			break;			/* the iterator is destroyed on break too */
		times += 10;
	}
	return sum * 1000 + times;		/* 1845043 */
}

char _license[] SEC("license") = "GPL";
