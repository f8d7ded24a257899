/* What libbpf's headers gained after 1.1, from bpfcc's fallback headers: likely/unlikely,
 * bpf_ksym_exists on weak kfuncs, BPF_SNPRINTF, bpf_printk with more than three arguments,
 * and BPF_PROBE_READ chains through pointers (which read kernel memory with
 * bpf_probe_read_kernel, allowed in tc programs of a CAP_PERFMON loader). */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

extern void bpf_rcu_read_lock(void) __weak __ksym;		/* a kfunc since Linux 6.2 */
extern void bpfcc_test_no_such_kfunc(void) __weak __ksym;

struct leaf { __u32 pad; __u32 value; char name[8]; };
struct mid { __u64 pad; struct leaf *leaf; };
struct top { struct mid *mid; };

static __noinline int formatted(void)
{
	char buf[16];

	return BPF_SNPRINTF(buf, sizeof(buf), "%d-%u", -12, 34) == 7 && buf[0] == '-' && buf[3] == '-' && !buf[6];
}

SEC("tc")
int newer(struct __sk_buff *skb)
{
	struct leaf leaf = { .value = 42, .name = "bpfcc" };
	struct mid mid = { .leaf = &leaf };
	struct top top = { .mid = &mid }, *t = &top;
	char name[8] = {};
	__u32 value = 0;
	int r = 0;

	if (likely(skb->len >= 14))
		r |= 1 << 0;
	if (unlikely(skb->len > 100000))
		r |= 1 << 1;
	if (bpf_ksym_exists(bpf_rcu_read_lock))
		r |= 1 << 2;
	if (bpf_ksym_exists(bpfcc_test_no_such_kfunc))
		r |= 1 << 3;
	if (formatted())
		r |= 1 << 4;
	if (bpf_printk("five %d %d %d %d %d", 1, 2, 3, 4, skb->len) > 0)
		r |= 1 << 5;
	barrier_var(t);
	if (BPF_PROBE_READ(t, mid, leaf, value) == 42)
		r |= 1 << 6;
	BPF_PROBE_READ_INTO(&value, t, mid, leaf, value);
	if (value == 42)
		r |= 1 << 7;
	if (BPF_PROBE_READ_STR_INTO(&name, t, mid, leaf, name) == 6 && name[0] == 'b' && name[4] == 'c')
		r |= 1 << 8;
	if (BPF_PROBE_READ(t, mid) == &mid)
		r |= 1 << 9;
	return r;
}

char _license[] SEC("license") = "GPL";
