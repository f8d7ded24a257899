/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The context of tc programs: struct __sk_buff, behind Cilium's ctx_* API. */
#pragma once

#define __ctx_buff		__sk_buff
#define __ctx_is		__ctx_skb
#define PROG_TYPE		"tc"

#include <linux/bpf.h>
#include <linux/pkt_cls.h>

#include "../compiler.h"
#include "../helpers.h"

#define CTX_ACT_OK		TC_ACT_OK
#define CTX_ACT_DROP		TC_ACT_SHOT
#define CTX_ACT_TX		TC_ACT_REDIRECT
#define CTX_ACT_REDIRECT	TC_ACT_REDIRECT

static int BPF_FUNC(skb_load_bytes, const struct __sk_buff *skb, __u32 off, void *to, __u32 len);
static int BPF_FUNC(skb_store_bytes, struct __sk_buff *skb, __u32 off, const void *from,
		    __u32 len, __u32 flags);
static int BPF_FUNC(l3_csum_replace, struct __sk_buff *skb, __u32 off, __u32 from, __u32 to,
		    __u32 flags);
static int BPF_FUNC(l4_csum_replace, struct __sk_buff *skb, __u32 off, __u32 from, __u32 to,
		    __u32 flags);

#define ctx_load_bytes		skb_load_bytes
#define ctx_store_bytes		skb_store_bytes

static __always_inline __maybe_unused __u32 ctx_full_len(const struct __sk_buff *ctx)
{
	return ctx->len;
}

static __always_inline __maybe_unused __be16 ctx_get_protocol(const struct __sk_buff *ctx)
{
	return (__be16)ctx->protocol;
}

static __always_inline __maybe_unused void ctx_store_meta(struct __sk_buff *ctx, const __u32 off, __u32 data)
{
	ctx->cb[off] = data;
}

static __always_inline __maybe_unused __u32 ctx_load_meta(const struct __sk_buff *ctx, const __u32 off)
{
	return ctx->cb[off];
}

static __always_inline __maybe_unused void ctx_set_mark(struct __sk_buff *ctx, __u32 mark)
{
	ctx->mark = mark;
}

#define ctx_data(ctx)		((void *)(long)(ctx)->data)
#define ctx_data_end(ctx)	((void *)(long)(ctx)->data_end)
