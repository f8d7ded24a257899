typedef unsigned long long __u64;
static __u64 (* const bpf_ktime_get_ns)(void) = (void *) 5;

__attribute__((section("tc"), used))
int entry(void *ctx)
{
	__u64 (*fn)(void) = &bpf_ktime_get_ns;

	return fn != 0;
}

// expect-error: 7:23: helper 'bpf_ktime_get_ns'
// expect-hint: 7:23: call it directly
