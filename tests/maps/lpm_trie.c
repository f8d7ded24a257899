/* BPF_MAP_TYPE_LPM_TRIE: the verdict for a destination address comes from its longest prefix. */
#include "flow.h"

struct prefix {
	__u32 prefixlen;
	__u8 addr[4];
};

struct rule {
	__u32 action;
	__u32 hits;
};

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 32);
	__type(key, struct prefix);
	__type(value, struct rule);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} routes SEC(".maps");

SEC("xdp")
int route(struct xdp_md *ctx)
{
	struct flow f;
	struct prefix key = { .prefixlen = 32 };
	struct rule *r;

	if (parse_flow(ctx, &f))
		return XDP_PASS;
	__builtin_memcpy(key.addr, &f.daddr, 4);
	r = bpf_map_lookup_elem(&routes, &key);
	if (!r)
		return XDP_PASS;
	__sync_fetch_and_add(&r->hits, 1);
	return r->action;
}

char _license[] SEC("license") = "GPL";
