#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct inner {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} table SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 2);
	__type(key, __u32);
	__array(values, struct inner);
} tables SEC(".maps");

// Only map-in-map and program array maps hold maps or programs.
// expect-error: 15:10: map .tables.: BPF_MAP_TYPE_HASH maps cannot be initialised with __array
