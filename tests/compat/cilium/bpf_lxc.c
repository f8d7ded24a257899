// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Cilium-style endpoint program, attached at tc ingress of the container's host-side veth
 * ("from container"): IPv4 is handed to a tail call that checks the source address against
 * the endpoint's, resolves the destination's identity in the ipcache and enforces the
 * endpoint's egress policy; ARP passes; anything else is dropped and counted. */
#include "node_config.h"
#include "ep_config.h"

#include <bpf/ctx/ctx.h>
#include <bpf/api.h>

#include "lib/common.h"
#include "lib/eth.h"
#include "lib/ipv4.h"
#include "lib/policy.h"
#include "lib/maps.h"

#define ep_tail_call(ctx, slot)		tail_call_static(ctx, &CALLS_MAP, slot)

static __always_inline __u32 resolve_dst_identity(__be32 daddr)
{
	struct remote_endpoint_info *info;

	info = ipcache_lookup4(daddr, 32);
	return info ? info->sec_identity : WORLD_ID;
}

static __always_inline int handle_ipv4_from_lxc(struct __ctx_buff *ctx, __u32 *dst_id)
{
	void *data, *data_end;
	struct iphdr *ip4;
	__be16 ports[2] = {};
	__u8 proto;
	int verdict;

	if (!revalidate_data(ctx, &data, &data_end, &ip4))
		return DROP_INVALID;

	/* Endpoints may only send from their own address. */
	if (ip4->saddr != bpf_htonl(LXC_IPV4))
		return DROP_INVALID_SIP;

	proto = ip4->protocol;
	if ((proto == IPPROTO_TCP || proto == IPPROTO_UDP) && !ipv4_is_fragment(ip4)) {
		if (ipv4_load_l4_ports(ctx, ip4, ports) < 0)
			return DROP_CT_INVALID_HDR;
	}

	*dst_id = resolve_dst_identity(ip4->daddr);
	verdict = __policy_can_access(&POLICY_MAP, ctx, *dst_id, ports[1], proto, 0);
	if (verdict != CTX_ACT_OK)
		return verdict;

	ctx_store_meta(ctx, CB_SRC_LABEL, SECLABEL);
	ctx_set_mark(ctx, (SECLABEL & 0xffff) << 16 | MARK_MAGIC_IDENTITY);
	return CTX_ACT_OK;
}

__section_tail(CALLS_MAP, CILIUM_CALL_IPV4_FROM_LXC)
int tail_handle_ipv4(struct __ctx_buff *ctx)
{
	__u32 dst_id = 0;
	int ret = handle_ipv4_from_lxc(ctx, &dst_id);

	ctx_store_meta(ctx, CB_POLICY, dst_id);
	if (IS_ERR(ret))
		return send_drop_notify(ctx, ret, METRIC_EGRESS);
	return ret;
}

__section_entry
int cil_from_container(struct __ctx_buff *ctx)
{
	__u16 proto = bpf_ntohs(ctx_get_protocol(ctx));
	int ret;

	ctx_store_meta(ctx, CB_SRC_LABEL, SECLABEL);

	switch (proto) {
	case ETH_P_IP:
		ep_tail_call(ctx, CILIUM_CALL_IPV4_FROM_LXC);
		ret = DROP_MISSED_TAIL_CALL;
		break;
	case ETH_P_ARP:
		ret = CTX_ACT_OK;
		break;
	default:
		ret = DROP_UNKNOWN_L3;
	}

	if (IS_ERR(ret))
		return send_drop_notify(ctx, ret, METRIC_EGRESS);
	return ret;
}

BPF_LICENSE("Dual BSD/GPL");
