// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Cilium-style host firewall at tc ingress of the node's device ("from netdev"): the
 * sender's identity comes from the ipcache; with ENABLE_HOST_FIREWALL the node's ingress
 * policy decides (ICMP echo to the node always passes); accepted packets carry the
 * identity in skb->mark and cb for the stack and later programs. */
#include "node_config.h"

#include <bpf/ctx/ctx.h>
#include <bpf/api.h>

#include "lib/common.h"
#include "lib/eth.h"
#include "lib/ipv4.h"
#include "lib/policy.h"

#define POLICY_MAP	cilium_policy_host

#include "lib/maps.h"

#define ICMP_ECHO_TYPE	8

DEFINE_MAC(NODE_MAC, NODE_MAC_BYTES);

static __always_inline __u32 resolve_src_identity(__be32 saddr)
{
	struct remote_endpoint_info *info = ipcache_lookup4(saddr, 32);

	return info ? info->sec_identity : WORLD_ID;
}

static __always_inline int handle_ipv4(struct __ctx_buff *ctx, __u32 *src_id)
{
	void *data, *data_end;
	struct iphdr *ip4;
	__be16 ports[2] = {};
	__u8 icmp_type;
	int ret = CTX_ACT_OK;

	if (!revalidate_data(ctx, &data, &data_end, &ip4))
		return DROP_INVALID;

	*src_id = resolve_src_identity(ip4->saddr);

	if (ip4->daddr != bpf_htonl(NODE_IPV4))
		return CTX_ACT_OK;	/* not for this node: routed on */

	if (ip4->protocol == IPPROTO_ICMP) {
		if (ctx_load_bytes(ctx, ETH_HLEN + ipv4_hdrlen(ip4), &icmp_type, 1) < 0)
			return DROP_INVALID;
		if (icmp_type == ICMP_ECHO_TYPE)
			return CTX_ACT_OK;
	}

#ifdef ENABLE_HOST_FIREWALL
	if (ip4->protocol == IPPROTO_TCP || ip4->protocol == IPPROTO_UDP) {
		if (ipv4_is_fragment(ip4))
			return DROP_FRAG_NOSUPPORT;
		if (ipv4_load_l4_ports(ctx, ip4, ports) < 0)
			return DROP_INVALID;
	}
	ret = __policy_can_access(&POLICY_MAP, ctx, *src_id, ports[1], ip4->protocol, 1);
#endif
	return ret;
}

__section_entry
int cil_from_netdev(struct __ctx_buff *ctx)
{
	union macaddr *dmac;
	__u32 src_id = WORLD_ID;
	int ret = CTX_ACT_OK;

	if ((void *)((char *)ctx_data(ctx) + ETH_HLEN) > ctx_data_end(ctx))
		return send_drop_notify(ctx, DROP_INVALID, METRIC_INGRESS);
	dmac = ctx_data(ctx);

	/* Frames for another MAC are none of this node's business. */
	if (!eth_is_bcast(dmac) && eth_addrcmp(dmac, &NODE_MAC))
		return CTX_ACT_OK;

	if (ctx_get_protocol(ctx) == bpf_htons(ETH_P_IP))
		ret = handle_ipv4(ctx, &src_id);

	if (IS_ERR(ret))
		return send_drop_notify(ctx, ret, METRIC_INGRESS);

	ctx_store_meta(ctx, CB_SRC_LABEL, src_id);
	ctx_set_mark(ctx, (src_id & 0xffff) << 16 | MARK_MAGIC_HOST);
	return ret;
}

BPF_LICENSE("Dual BSD/GPL");
