/* BPF_MAP_TYPE_HASH_OF_MAPS: a per-destination-port table of per-source-address counts. */
#include "flow.h"

struct sources {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u32);
} dns_sources SEC(".maps"), ntp_sources SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
	__uint(max_entries, 4);
	__type(key, __u32); /* libbpf fills static slots with 4-byte keys */
	__array(values, struct sources);
} by_port SEC(".maps") = {
	.values = { [53] = &dns_sources },
};

SEC("xdp")
int count_sources(struct xdp_md *ctx)
{
	struct flow f;
	__u32 port, one = 1, *count;
	void *table;

	if (parse_flow(ctx, &f))
		return XDP_PASS;
	port = f.dport;
	table = bpf_map_lookup_elem(&by_port, &port);
	if (!table)
		return XDP_DROP;
	count = bpf_map_lookup_elem(table, &f.saddr);
	if (count)
		__sync_fetch_and_add(count, 1);
	else if (bpf_map_update_elem(table, &f.saddr, &one, BPF_NOEXIST))
		return XDP_ABORTED;
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
