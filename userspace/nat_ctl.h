/* SPDX-License-Identifier: MIT */
/* Between the NAT's command file (nat.c) and its loader (nat_attach.c): the pinned map
 * names and fds, loading, and the uplink hooks. */
#ifndef SLUICE_NAT_CTL_H
#define SLUICE_NAT_CTL_H

#include <stdbool.h>
#include <stdint.h>
#include "ctl.h"
#include "sluice_nat.h"

enum { NAT_RULES, NAT_CFG, NAT_CT, NAT_MAP, NAT_RMAP, NAT_FRAG, NAT_STATS, NAT_MAPS };
extern const char *const nat_map_names[NAT_MAPS];
/* The gateway-subnet trie (nat_local.c), outside NAT_MAPS: an instance loaded by a build
 * before it has none until `sluice upgrade` creates it. */
#define NAT_LOCAL_MAP	"sl_nat_local"

/* Load and pin the NAT's programs and maps, the connection table sized for FLOWS. */
int nat_load(struct ctl *c, uint32_t flows);
/* Unpin the NAT's programs and maps (links must be gone first). */
void nat_unload(struct ctl *c);
/* Hook the NAT on uplink IFINDEX (both directions), or unhook it. */
int nat_uplink_attach(struct ctl *c, int ifindex, const char *dev);
void nat_uplink_detach(struct ctl *c, int ifindex);

/* The fast path (nat_fast.c): its program in the switch ports' slot, or out of it, or
 * re-pointed after an upgrade; the slot's own pin (a switch map); its counters added to a
 * `nat stats` document. */
struct json_object;
int nat_fast_load(struct ctl *c);
int nat_fast_sync(struct ctl *c);
void nat_fast_unload(struct ctl *c);
void nat_fast_unpin_slot(struct ctl *c);
int nat_fast_stats_add(struct ctl *c, struct json_object *o);

#endif
