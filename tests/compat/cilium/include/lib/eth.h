/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* MAC addresses defined at build time with DEFINE_MAC, and compared without memcmp. */
#pragma once

#include <linux/if_ether.h>

#include "common.h"

union macaddr {
	struct {
		__u32 p1;
		__u16 p2;
	};
	__u8 addr[6];
};

/* The bytes may come from one macro, e.g. DEFINE_MAC(NODE_MAC, NODE_MAC_BYTES). */
#define DEFINE_MAC(NAME, ...)						\
static const union macaddr NAME = { .addr = { __VA_ARGS__ } }

static __always_inline int eth_addrcmp(const union macaddr *a, const union macaddr *b)
{
	int tmp;

	tmp = a->p1 - b->p1;
	if (!tmp)
		tmp = a->p2 - b->p2;

	return tmp;
}

static __always_inline int eth_is_bcast(const union macaddr *a)
{
	union macaddr bcast;

	bcast.p1 = 0xffffffff;
	bcast.p2 = 0xffff;

	return !eth_addrcmp(a, &bcast);
}
