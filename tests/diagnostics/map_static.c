#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

static struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

// clang accepts a static map; the libbpf that tc and ip use here says "unsupported map linkage static".
// flags: -Werror
// expect-error: 9:3: map .counters. is static: libbpf v1.1 and older refuse
