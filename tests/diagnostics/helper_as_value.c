typedef unsigned long long __u64;
static __u64 (* const bpf_ktime_get_ns)(void) = (void *) 5;

__attribute__((section("tc"), used))
int entry(void *ctx)
{
	void *p = bpf_ktime_get_ns;

	return p != 0;
}

// expect-error: 7:12: helper 'bpf_ktime_get_ns'
// expect-hint: 7:12: call it directly
