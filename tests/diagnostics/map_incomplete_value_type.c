#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, struct stats);
} per_flow SEC(".maps");

// struct stats is never defined: libbpf cannot size the value.
// expect-error: 8:9: map .per_flow.: value type .struct stats. is incomplete
