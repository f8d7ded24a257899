#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

int entries = 64;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, entries);
	__type(key, __u32);
	__type(value, __u64);
} flows SEC(".maps");

// __uint(max_entries, n) is the array length in `int (*max_entries)[n]`: it must be a constant.
// expect-error: 8:22: map .flows.: .max_entries. is not an integer constant
