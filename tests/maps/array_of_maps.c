/* BPF_MAP_TYPE_ARRAY_OF_MAPS: a counter table per UDP port parity; the outer slot 0 is set by a
 * static initialiser, slot 1 from user space. */
#include "flow.h"

struct table {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} even_ports SEC(".maps"), odd_ports SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 2);
	__type(key, __u32);
	__array(values, struct table);
} by_parity SEC(".maps") = {
	.values = { [0] = &even_ports },
};

SEC("xdp")
int count_by_parity(struct xdp_md *ctx)
{
	struct flow f;
	__u32 outer, inner;
	__u64 *count;
	void *table;

	if (parse_flow(ctx, &f))
		return XDP_PASS;
	outer = f.dport & 1;
	table = bpf_map_lookup_elem(&by_parity, &outer);
	if (!table)
		return XDP_DROP;
	inner = (f.dport >> 1) & 3;
	count = bpf_map_lookup_elem(table, &inner);
	if (!count)
		return XDP_ABORTED;
	__sync_fetch_and_add(count, 1);
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
