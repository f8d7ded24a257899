/* __ulong: a map property too wide for __uint (map_extra), as an enumerator in the BTF;
 * each use names its own enumerator. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_BLOOM_FILTER);
	__uint(max_entries, 16);
	__type(value, __u32);
	__ulong(map_extra, 3);
} small SEC(".maps");

struct {
	__uint(type, 33);	/* BPF_MAP_TYPE_ARENA, Linux 6.9 */
	__uint(max_entries, 1);
	__ulong(map_extra, 0x100000000ULL);
} wide SEC(".maps");

char _license[] SEC("license") = "GPL";
