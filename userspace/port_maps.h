/* SPDX-License-Identifier: MIT */
/* The port layer's map writes, which features (addr4.c) call as well as `port add`: the
 * sl_ports writers (port_table.c) and the host's neighbour entries (port_addr.c). Apart from
 * port.h, which holds the request that embeds those features' own (struct addr4_more), so
 * that a feature including this makes no include circle. */
#ifndef SLUICE_PORT_MAPS_H
#define SLUICE_PORT_MAPS_H

#include <stdint.h>
#include "ctl.h"

/* Every write of sl_ports goes through these two (port_table.c): they keep its ARRAY copies
 * (sl_port_slots, sl_port_idx) in step. port_put is bpf_map_update_elem of P at KEY with
 * FLAGS; port_erase deletes KEY. 0, or -1 with errno set. */
int port_put(struct ctl *c, uint32_t key, const struct sl_port *p, uint64_t flags);
int port_erase(struct ctl *c, uint32_t key);
/* Call FN for each port (a copy, read in chunks); stops at and returns FN's first nonzero
 * result. FN may remove the port it is given, or others: the chunk it walks is a copy. */
int ports_for_each(struct ctl *c, int (*fn)(struct ctl *, const struct sl_port *, void *),
		   void *arg);
/* Fill the ARRAY copies from sl_ports (`sluice upgrade` from a build without them). */
int ports_fast_sync(struct ctl *c);
/* Unpin the ARRAY copies (instance_remove). */
void ports_fast_unpin(struct ctl *c);

/* port_addr.c: the host's gateways forget ADDR's neighbour entry (its MAC may be another
 * port's now). */
void addr_neigh_forget(struct ctl *c, uint32_t switch_id, uint32_t addr);

#endif
