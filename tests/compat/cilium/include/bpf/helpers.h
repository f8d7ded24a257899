/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* BPF helpers Cilium declares itself, with the prototypes it wants. */
#pragma once

#include <linux/bpf.h>

#include "compiler.h"

#ifndef BPF_FUNC
# define BPF_FUNC(NAME, ...)						\
	(* NAME)(__VA_ARGS__) __maybe_unused = (void *)BPF_FUNC_##NAME
#endif

#ifndef BPF_STUB
# define BPF_STUB(NAME, ...)						\
	(* NAME##__stub)(__VA_ARGS__) __maybe_unused = (void *)((__u32)-1)
#endif

#ifndef BPF_FUNC_REMAP
# define BPF_FUNC_REMAP(NAME, ...)					\
	(* NAME)(__VA_ARGS__) __maybe_unused
#endif

/* Map access/manipulation */
static void *BPF_FUNC(map_lookup_elem, const void *map, const void *key);
static int BPF_FUNC(map_update_elem, const void *map, const void *key,
		    const void *value, __u32 flags);
static int BPF_FUNC(map_delete_elem, const void *map, const void *key);

/* Time and random numbers */
static __u64 BPF_FUNC(ktime_get_ns);
static __u32 BPF_FUNC(get_prandom_u32);

/* Tail calls */
static void BPF_FUNC(tail_call, void *ctx, const void *map, __u32 index);

/* Checksums */
static __s64 BPF_FUNC(csum_diff, const void *from, __u32 from_size,
		      const void *to, __u32 to_size, __u32 seed);

/* Packet redirection */
static int BPF_FUNC(redirect, int ifindex, __u32 flags);

/* Sockets */
static __u64 BPF_FUNC(get_socket_cookie, void *ctx);
static __u64 BPF_FUNC(get_netns_cookie, void *ctx);
