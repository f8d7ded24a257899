/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* IPv4 header helpers. */
#pragma once

#include <linux/ip.h>

#include "common.h"

#define IPV4_FRAG_OFFSET_MASK	0x1fff
#define IPV4_MORE_FRAGMENTS	0x2000

static __always_inline int ipv4_hdrlen(const struct iphdr *ip4)
{
	return ip4->ihl * 4;
}

static __always_inline bool ipv4_is_fragment(const struct iphdr *ip4)
{
	return ip4->frag_off & bpf_htons(IPV4_MORE_FRAGMENTS | IPV4_FRAG_OFFSET_MASK);
}

/* Ports of a TCP or UDP header after the IPv4 header, read with ctx_load_bytes. */
static __always_inline int ipv4_load_l4_ports(struct __ctx_buff *ctx, const struct iphdr *ip4,
					      __be16 ports[2])
{
	return ctx_load_bytes(ctx, ETH_HLEN + ipv4_hdrlen(ip4), ports, 2 * sizeof(__be16));
}
