#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct inner {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u32);
} dns SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
	__uint(max_entries, 4);
	__type(key, __u16);
	__array(values, struct inner);
} by_port SEC(".maps") = {
	.values = { [53] = &dns },
};

// libbpf stores a static slot under its index, an int: "should have key size 4".
// expect-error: 14:9: map .by_port.: a BPF_MAP_TYPE_HASH_OF_MAPS with initialised values needs 4-byte keys
