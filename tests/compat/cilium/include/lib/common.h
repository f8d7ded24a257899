/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Datapath-wide definitions: identities, marks, drop reasons, revalidation of packet data. */
#pragma once

#include <stdbool.h>

#include <bpf/ctx/ctx.h>
#include <bpf/api.h>

#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/in.h>

/* Reserved identities. */
#define HOST_ID			1
#define WORLD_ID		2
#define UNMANAGED_ID		3
#define HEALTH_ID		4
#define INIT_ID			5
#define REMOTE_NODE_ID		6

/* skb->mark magic in the upper bits, the identity in the lower ones. */
#define MARK_MAGIC_HOST_MASK	0x0F00
#define MARK_MAGIC_IDENTITY	0x0F00
#define MARK_MAGIC_HOST		0x0C00

/* ctx->cb slots carried across tail calls. */
enum {
	CB_SRC_LABEL,
	CB_IFINDEX,
	CB_POLICY,
	CB_NAT,
	CB_CT_STATE,
};

/* Drop reasons, returned negative from the handlers. */
#define DROP_INVALID_SIP	-132
#define DROP_POLICY		-133
#define DROP_INVALID		-134
#define DROP_CT_INVALID_HDR	-135
#define DROP_UNKNOWN_L3		-139
#define DROP_MISSED_TAIL_CALL	-140
#define DROP_FRAG_NOSUPPORT	-157
#define DROP_PREFILTER		-158

#define IS_ERR(x)		(unlikely((x < 0) || (x == CTX_ACT_DROP)))

/* Tail call slots in the calls map. */
#define CILIUM_CALL_DROP_NOTIFY			1
#define CILIUM_CALL_IPV4_FROM_LXC		7
#define CILIUM_CALL_IPV4_TO_ENDPOINT		13
#define CILIUM_CALL_SIZE			16

struct endpoint_key {
	__be32 ip4;
	__u8 family;
	__u8 pad[3];
} __packed;

#define ENDPOINT_KEY_IPV4	1

/* An ipcache entry: which identity an address range belongs to. */
struct ipcache_key {
	struct bpf_lpm_trie_key lpm_key;
	__u16 pad1;
	__u8 pad2;
	__u8 family;
	__be32 ip4;
} __packed;

#define IPCACHE_PREFIX_LEN(PREFIX) (32 + (PREFIX))

struct remote_endpoint_info {
	__u32 sec_identity;
	__u32 tunnel_endpoint;
	__u8 key;
};

struct metrics_key {
	__u8 reason;
	__u8 dir;
	__u16 reserved[3];
};

struct metrics_value {
	__u64 count;
	__u64 bytes;
};

#define METRIC_INGRESS	1
#define METRIC_EGRESS	2

/* Reload data pointers after anything that may have moved the packet; true if the L3
 * header is in bounds. */
#define revalidate_data(ctx, data, data_end, ip)				\
({										\
	*(data) = ctx_data(ctx);						\
	*(data_end) = ctx_data_end(ctx);					\
	(void *)((char *)*(data) + ETH_HLEN + sizeof(**(ip))) <= *(data_end) &&	\
		(*(ip) = (void *)((char *)*(data) + ETH_HLEN), 1);		\
})
