#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__uint(key_size, 0);
	__type(value, __u64);
} flows SEC(".maps");

// A hash map needs a key; the kernel refuses key_size 0 when the map is created.
// expect-error: 7:9: map .flows.: key size is 0
