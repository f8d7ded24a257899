/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* L3/L4 policy: (identity, port, protocol, direction) -> allowed, with wildcard fallbacks. */
#pragma once

#include "common.h"

struct policy_key {
	__u32 sec_label;
	__u16 dport;		/* network order, 0 = any port */
	__u8 protocol;		/* 0 = any protocol */
	__u8 egress:1,
	     pad:7;
};

struct policy_entry {
	__be16 proxy_port;
	__u8 deny:1,
	     wildcard_protocol:1,
	     wildcard_dport:1,
	     pad:5;
	__u8 auth_type;
	__u64 packets;
	__u64 bytes;
};

static __always_inline void account(struct __ctx_buff *ctx, struct policy_entry *policy)
{
	__sync_fetch_and_add(&policy->packets, 1);
	__sync_fetch_and_add(&policy->bytes, ctx_full_len(ctx));
}

/* CTX_ACT_OK if allowed, DROP_POLICY otherwise; L3-only rules match any port. */
static __always_inline int __policy_can_access(const void *map, struct __ctx_buff *ctx,
					       __u32 remote_id, __u16 dport, __u8 proto, int dir)
{
	struct policy_entry *policy;
	struct policy_key key = {
		.sec_label = remote_id,
		.dport = dport,
		.protocol = proto,
		.egress = !dir,
		.pad = 0,
	};

	policy = map_lookup_elem(map, &key);
	if (likely(policy)) {
		account(ctx, policy);
		return policy->deny ? DROP_POLICY : CTX_ACT_OK;
	}

	/* L3-only rule for the remote identity. */
	key.dport = 0;
	key.protocol = 0;
	policy = map_lookup_elem(map, &key);
	if (policy) {
		account(ctx, policy);
		return policy->deny ? DROP_POLICY : CTX_ACT_OK;
	}

	/* Allow-all rule. */
	key.sec_label = 0;
	policy = map_lookup_elem(map, &key);
	if (policy) {
		account(ctx, policy);
		return policy->deny ? DROP_POLICY : CTX_ACT_OK;
	}

	return DROP_POLICY;
}
