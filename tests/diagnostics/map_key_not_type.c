#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__u32 key;
	__type(value, __u64);
} counters SEC(".maps");

// A key written as a plain member has no type for libbpf to read: it must be a pointer (__type).
// expect-error: 7:8: map .counters.: .key. must be declared with __type\(key, …\)
