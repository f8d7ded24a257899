/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The context of XDP programs: struct xdp_md, behind Cilium's ctx_* API. */
#pragma once

#define __ctx_buff		xdp_md
#define __ctx_is		__ctx_xdp
#define PROG_TYPE		"xdp"

#include <linux/bpf.h>

#include "../compiler.h"
#include "../helpers.h"

#define CTX_ACT_OK		XDP_PASS
#define CTX_ACT_DROP		XDP_DROP
#define CTX_ACT_TX		XDP_TX
#define CTX_ACT_REDIRECT	XDP_REDIRECT

static int BPF_FUNC(xdp_load_bytes, const struct xdp_md *ctx, __u32 off, void *to, __u32 len);
static int BPF_FUNC(xdp_store_bytes, struct xdp_md *ctx, __u32 off, const void *from, __u32 len);

#define ctx_load_bytes		xdp_load_bytes

static __always_inline __maybe_unused __u32 ctx_full_len(const struct xdp_md *ctx)
{
	return ctx->data_end - ctx->data;
}

#define ctx_data(ctx)		((void *)(long)(ctx)->data)
#define ctx_data_end(ctx)	((void *)(long)(ctx)->data_end)

/* The ethertype right after the two MAC addresses (no VLAN handling, as for skbs). */
static __always_inline __maybe_unused __be16 ctx_get_protocol(const struct xdp_md *ctx)
{
	__be16 *proto = ctx_data(ctx) + 12;

	if ((void *)(proto + 1) > ctx_data_end(ctx))
		return 0;
	return *proto;
}
