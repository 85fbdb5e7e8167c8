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
/* The hooked uplinks (nat_guard.c), outside NAT_MAPS for the same reason. */
#define NAT_UPLINKS_MAP	"sl_nat_uplinks"

/* Load and pin the NAT's programs and maps, the connection table sized for FLOWS. */
int nat_load(struct ctl *c, uint32_t flows);
/* Unpin the NAT's programs and maps (links must be gone first). */
void nat_unload(struct ctl *c);
/* Hook the NAT on uplink IFINDEX (both directions), or unhook it. */
int nat_uplink_attach(struct ctl *c, int ifindex, const char *dev);
void nat_uplink_detach(struct ctl *c, int ifindex);
/* IFINDEX is still device DEV and carries the NAT's egress hook. */
bool nat_uplink_hooked(struct ctl *c, int ifindex, const char *dev);

/* nat_guard.c: the fail-closed guard on every gateway host leg and the map of hooked
 * uplinks it reads (0 and nothing done without a NAT; -1 printed on failure). */
int nat_guard_sync(struct ctl *c);
/* Unpin the guard's links, program and uplinks map (nat_unload). */
void nat_guard_unpin(struct ctl *c);
/* IFINDEX carries the NAT's hooks (ON) or no longer does. */
int nat_uplink_mark(struct ctl *c, int ifindex, bool on);
bool nat_uplink_marked(struct ctl *c, int ifindex);
/* IFINDEX is the host leg of a switch's gateway (the veth peer of a gateway port). */
bool nat_gateway_leg(struct ctl *c, int ifindex);

#endif
