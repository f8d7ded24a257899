#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct empty {};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 16);
	__type(key, struct empty);
	__type(value, __u64);
} slots SEC(".maps");

// GNU C gives an empty struct size 0, so this key is 0 bytes too.
// expect-error: 9:9: map .slots.: key size is 0
