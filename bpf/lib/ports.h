/* SPDX-License-Identifier: GPL-2.0-only */
/* A port's facts from the ARRAY copies of sl_ports (inlined lookups), falling back to the
 * hash wherever the copy cannot answer: ifindex beyond the index, slot 0, or a slot that a
 * deleted port left and another port now holds. */
#ifndef SL_PORTS_H
#define SL_PORTS_H

#include "maps.h"

/* The port at SLOT if it is still IFINDEX, else the one sl_ports holds for IFINDEX (or NULL).
 * The check makes a stale slot harmless: it never names another port. */
static __always_inline struct sl_port *sl_port_at(__u32 ifindex, __u32 slot)
{
	struct sl_port *p;

	if (slot) {
		p = bpf_map_lookup_elem(&sl_port_slots, &slot);
		if (p && p->ifindex == ifindex)
			return p;
	}
	return bpf_map_lookup_elem(&sl_ports, &ifindex);
}

/* The port on host device IFINDEX, or NULL. */
static __always_inline struct sl_port *sl_port_of(__u32 ifindex)
{
	__u32 *slot = NULL;

	if (ifindex < SL_PORT_IDX_MAX)
		slot = bpf_map_lookup_elem(&sl_port_idx, &ifindex);
	return sl_port_at(ifindex, slot ? *slot : 0);
}

#endif
