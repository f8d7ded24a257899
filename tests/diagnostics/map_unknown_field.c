#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_elements, 8);
} counters SEC(".maps");

// libbpf (strict, as for .maps) refuses fields it does not know.
// expect-error: 9:9: map .counters.: unknown field .max_elements.
