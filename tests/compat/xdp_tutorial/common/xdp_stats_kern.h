/* SPDX-License-Identifier: GPL-2.0 */
/* The per-action stats map every tutorial program shares, and the function that counts a
 * packet under the action it is about to return. */
#ifndef __XDP_STATS_KERN_H
#define __XDP_STATS_KERN_H

#ifndef __XDP_STATS_KERN_USER_H
#error "You must include xdp_stats_kern_user.h before this file"
#endif

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct datarec);
	__uint(max_entries, XDP_ACTION_MAX);
} xdp_stats_map SEC(".maps");

static __always_inline __u32 xdp_stats_record_action(struct xdp_md *ctx, __u32 action)
{
	void *data_end = (void *)(long)ctx->data_end;
	void *data = (void *)(long)ctx->data;
	struct datarec *rec;

	if (action >= XDP_ACTION_MAX)
		return XDP_ABORTED;

	/* Per-CPU entries need no atomics. */
	rec = bpf_map_lookup_elem(&xdp_stats_map, &action);
	if (!rec)
		return XDP_ABORTED;

	rec->rx_packets++;
	rec->rx_bytes += (data_end - data);

	return action;
}

#endif /* __XDP_STATS_KERN_H */
