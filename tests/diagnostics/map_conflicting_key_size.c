#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4);
	__uint(key_size, 8);
	__type(key, __u32);
	__type(value, __u64);
} flows SEC(".maps");

// expect-error: 8:9: map .flows.: conflicting key size 8 != 4
