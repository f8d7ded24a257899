static long (* const bpf_probe_read_kernel)(void *dst, unsigned int size, const void *src) = (void *) 113;

__attribute__((section("tc"), used))
int big_frame(void *ctx)
{
	char buf[600];
	long small;

	bpf_probe_read_kernel(buf, sizeof(buf), ctx);
	bpf_probe_read_kernel(&small, sizeof(small), ctx);
	return buf[10] + small;
}

// expect-error: 4:5: stack frame of function 'big_frame'.*\b512\b.*'buf' \(600 bytes\)
// expect-hint: 4:5: per-CPU array map
