/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Per-endpoint configuration.  The object is compiled once as a template with these
 * placeholder values and specialised per endpoint by -D (or by rewriting the ELF). */
#pragma once

#ifndef LXC_ID
# define LXC_ID			0xffff
#endif

#ifndef SECLABEL
# define SECLABEL		0xfffffff0
#endif

#ifndef LXC_IPV4
# define LXC_IPV4		0x0a000002	/* host order */
#endif

#define POLICY_MAP		cilium_policy_lxc
#define CALLS_MAP		cilium_calls_lxc
