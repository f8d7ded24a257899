typedef unsigned int __u32;

static long (* const bpf_map_update_elem)(void *map, const void *key, const void *value, __u64 flags) = (void *) 2;

// __u64 was never declared (a missing #include <linux/types.h>).
// expect-error: 3:90: unknown type name '__u64'
