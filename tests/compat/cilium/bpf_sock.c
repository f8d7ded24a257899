// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Cilium-style socket load balancing: connect() to a service address is translated to one
 * of its backends in the cgroup/connect4 hook, before any packet exists.  A service with no
 * backends refuses the connection; addresses that are no service are left alone. */
#include "node_config.h"

#include <bpf/ctx/unspec.h>
#include <bpf/api.h>

#include <linux/in.h>

#define SYS_REJECT	0
#define SYS_PROCEED	1

struct lb4_key {
	__be32 address;
	__be16 dport;
	__u16 backend_slot;	/* 0 = the service entry itself */
	__u8 proto;
	__u8 scope;
	__u8 pad[2];
};

struct lb4_service {
	union {
		__u32 backend_id;	/* in a backend slot */
		__u32 affinity_timeout;	/* in the service entry */
	};
	__u16 count;			/* backends, in the service entry */
	__u16 rev_nat_index;
	__u8 flags;
	__u8 pad[3];
};

struct lb4_backend {
	__be32 address;
	__be16 port;
	__u8 proto;
	__u8 flags;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct lb4_key);
	__type(value, struct lb4_service);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__uint(max_entries, CILIUM_LB_MAP_MAX_ENTRIES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} LB4_SERVICES_MAP __section_maps_btf;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, struct lb4_backend);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__uint(max_entries, CILIUM_LB_MAP_MAX_ENTRIES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} LB4_BACKEND_MAP __section_maps_btf;

static __always_inline __u16 ctx_dst_port(const struct bpf_sock_addr *ctx)
{
	volatile __u32 dport = ctx->user_port;

	return (__u16)dport;
}

static __always_inline int __sock4_xlate_fwd(struct bpf_sock_addr *ctx)
{
	struct lb4_key key = {
		.address = ctx->user_ip4,
		.dport = ctx_dst_port(ctx),
		.proto = IPPROTO_TCP,
	};
	struct lb4_service *svc, *slot_svc;
	struct lb4_backend *backend;

	if (ctx->protocol != IPPROTO_TCP)
		return SYS_PROCEED;

	svc = map_lookup_elem(&LB4_SERVICES_MAP, &key);
	if (!svc)
		return SYS_PROCEED;
	if (svc->count == 0)
		return SYS_REJECT;

	/* The socket's cookie picks the backend: the same socket always gets the same one. */
	key.backend_slot = (get_socket_cookie(ctx) % svc->count) + 1;
	slot_svc = map_lookup_elem(&LB4_SERVICES_MAP, &key);
	if (!slot_svc)
		return SYS_REJECT;

	backend = map_lookup_elem(&LB4_BACKEND_MAP, &slot_svc->backend_id);
	if (!backend)
		return SYS_REJECT;

	ctx->user_ip4 = backend->address;
	ctx->user_port = backend->port;
	return SYS_PROCEED;
}

__section("cgroup/connect4")
int cil_sock4_connect(struct bpf_sock_addr *ctx)
{
	return __sock4_xlate_fwd(ctx);
}

BPF_LICENSE("Dual BSD/GPL");
