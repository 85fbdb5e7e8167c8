/* SPDX-License-Identifier: GPL-2.0-only */
/* Per-port per-CPU counters: every frame received, sent or dropped moves one. */
#ifndef SL_STATS_H
#define SL_STATS_H

#include "maps.h"

static __always_inline struct sl_port_stats *sl_stats_of(__u32 ifindex)
{
	struct sl_port_stats *s = bpf_map_lookup_elem(&sl_stats, &ifindex);

	if (!s) {
		__u32 unknown = 0;

		s = bpf_map_lookup_elem(&sl_stats, &unknown);
	}
	return s;
}

static __always_inline void sl_count_drop(struct sl_port_stats *s, enum sl_drop why)
{
	if (s && why < SL_DROP_MAX)
		s->drops[why]++;
}

static __always_inline void sl_count_tx(__u32 ifindex, __u64 bytes)
{
	struct sl_port_stats *s = bpf_map_lookup_elem(&sl_stats, &ifindex);

	if (s) {
		s->tx_packets++;
		s->tx_bytes += bytes;
	}
}

#endif
