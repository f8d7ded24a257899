/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Node-wide configuration, written by the agent for each node; the values here are the
 * template defaults, the build overrides them with -D. */
#pragma once

#ifndef NODE_IPV4
# define NODE_IPV4		0x0a000001	/* 10.0.0.1, host order */
#endif

#ifndef NODE_MAC_BYTES
# define NODE_MAC_BYTES		0x02, 0x00, 0x00, 0x00, 0x00, 0x0b
#endif

#define IPCACHE_MAP		cilium_ipcache
#define IPCACHE_MAP_SIZE	512000
#define METRICS_MAP		cilium_metrics
#define METRICS_MAP_SIZE	1024
#define POLICY_MAP_SIZE		16384

#define CIDR4_LPM_PREFILTER_MAP	cilium_cidr_v4_dyn
#define CIDR4_HMAP_NAME		cilium_cidr_v4_fix
#define CIDR4_HMAP_ELEMS	1024
#define CIDR4_LMAP_ELEMS	1024

#define LB4_SERVICES_MAP	cilium_lb4_services
#define LB4_BACKEND_MAP		cilium_lb4_backends
#define CILIUM_LB_MAP_MAX_ENTRIES 65536
