/* Copyright (C) compat-suite authors.  Katran-style balancer maps. */
#ifndef __BALANCER_MAPS_H
#define __BALANCER_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "balancer_consts.h"
#include "balancer_structs.h"

/* VIP -> its flags and its number (the ring to use). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct vip_definition);
	__type(value, struct vip_meta);
	__uint(max_entries, MAX_VIPS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} vip_map SEC(".maps");

/* Connection table: 5-tuple -> the real it was sent to. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__type(key, struct flow_key);
	__type(value, struct real_pos_lru);
	__uint(max_entries, DEFAULT_LRU_SIZE);
} lru_mapping SEC(".maps");

/* Consistent-hashing rings: RING_SIZE slots per VIP, each a real's index. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u32);
	__uint(max_entries, CH_RINGS_SIZE);
} ch_rings SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct real_definition);
	__uint(max_entries, MAX_REALS);
} reals SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct lb_stats);
	__uint(max_entries, STATS_MAP_SIZE);
} stats SEC(".maps");

/* Slot 0: the default gateway's MAC. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct ctl_value);
	__uint(max_entries, 16);
} ctl_array SEC(".maps");

#endif /* __BALANCER_MAPS_H */
