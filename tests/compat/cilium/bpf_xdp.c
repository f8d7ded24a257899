// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Cilium-style XDP prefilter: drop IPv4 packets from denied CIDRs before the stack sees
 * them.  Dynamic prefixes live in an LPM trie, fixed /32s in a hash; the IPv4 header is
 * copied out with ctx_load_bytes, as the prefilter does for its lookups.
 * Build with -DIS_BPF_XDP. */
#include "node_config.h"

#include <bpf/ctx/ctx.h>
#include <bpf/api.h>

#include "lib/common.h"
#include "lib/maps.h"

struct lpm_v4_key {
	struct bpf_lpm_trie_key lpm;
	__u8 addr[4];
};

struct lpm_val {
	/* Just a dummy value: the presence of the key is what matters. */
	__u8 flags;
};

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__type(key, struct lpm_v4_key);
	__type(value, struct lpm_val);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__uint(max_entries, CIDR4_LMAP_ELEMS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} CIDR4_LPM_PREFILTER_MAP __section_maps_btf;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct lpm_v4_key);
	__type(value, struct lpm_val);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__uint(max_entries, CIDR4_HMAP_ELEMS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} CIDR4_HMAP_NAME __section_maps_btf;

static __always_inline int check_v4(struct __ctx_buff *ctx)
{
	struct lpm_v4_key pfx __align_stack_8;
	struct iphdr ip4;

	if (ctx_load_bytes(ctx, ETH_HLEN, &ip4, sizeof(ip4)) < 0)
		return CTX_ACT_DROP;
	if (ip4.version != 4 || ip4.ihl < 5)
		return CTX_ACT_DROP;

	__builtin_memcpy(pfx.lpm.data, &ip4.saddr, sizeof(pfx.addr));
	pfx.lpm.prefixlen = 32;

	if (map_lookup_elem(&CIDR4_HMAP_NAME, &pfx))
		return DROP_PREFILTER;
	if (map_lookup_elem(&CIDR4_LPM_PREFILTER_MAP, &pfx))
		return DROP_PREFILTER;
	return CTX_ACT_OK;
}

static __always_inline int check_filters(struct __ctx_buff *ctx)
{
	int ret = CTX_ACT_OK;

	switch (bpf_ntohs(ctx_get_protocol(ctx))) {
	case ETH_P_IP:
		ret = check_v4(ctx);
		break;
	default:
		break;
	}

	if (IS_ERR(ret))
		return send_drop_notify(ctx, ret, METRIC_INGRESS);
	return ret;
}

__section_entry
int cil_xdp_entry(struct __ctx_buff *ctx)
{
	return check_filters(ctx);
}

BPF_LICENSE("Dual BSD/GPL");
