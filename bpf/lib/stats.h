/* SPDX-License-Identifier: GPL-2.0-only */
/* Per-port per-CPU counters: every frame received, sent or dropped moves one. */
#ifndef SL_STATS_H
#define SL_STATS_H

#include "maps.h"

static __always_inline struct sl_port_stats *sl_stats_of(const struct sl_port *port)
{
	__u32 slot = port ? port->slot : 0;

	return bpf_map_lookup_elem(&sl_stats, &slot);
}

static __always_inline void sl_count_drop(struct sl_port_stats *s, enum sl_drop why)
{
	if (s && why < SL_DROP_MAX)
		s->drops[why]++;
}

static __always_inline void sl_count_tx(const struct sl_port *dest, __u64 bytes)
{
	__u32 slot = dest->slot;
	struct sl_port_stats *s = bpf_map_lookup_elem(&sl_stats, &slot);

	if (s) {
		s->tx_packets++;
		s->tx_bytes += bytes;
	}
}

#endif
