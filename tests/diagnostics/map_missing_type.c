#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

// libbpf refuses it at load time ("map type isn't specified"); bpfcc says so at the map.
// expect-error: 8:3: map .counters.: map type is not specified
// expect-hint: 8:3: __uint\(type, BPF_MAP_TYPE_
