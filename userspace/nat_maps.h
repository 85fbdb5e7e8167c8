/* SPDX-License-Identifier: MIT */
/* nat_maps.c: the NAT's pinned maps opened together (struct nat) with its rule slots, for the
 * NAT's commands (nat.c, nat_show.c) and the daemon's round (nat_gc.c). */
#ifndef SLUICE_NAT_MAPS_H
#define SLUICE_NAT_MAPS_H

#include <stdint.h>
#include "ctl.h"
#include "nat_ctl.h"

struct nat {
	int fd[NAT_MAPS];
	struct sl_nat_rule rule[SL_NAT_RULES_MAX];
};

void nat_close(struct nat *n);
/* Open the pinned NAT maps of an open instance and read the rules. */
int nat_maps_open(struct ctl *c, struct nat *n);
int cfg_get(struct nat *n, struct sl_nat_cfg *cfg);
int cfg_put(struct nat *n, const struct sl_nat_cfg *cfg);
/* Write slot S; the datapath scans slots up to the last used one. Enlarge before
 * filling a slot, shrink after clearing one, so no used slot is ever beyond the scan. */
int rule_put(struct nat *n, __u32 s, const struct sl_nat_rule *r);
void format_cidr(__be32 addr, __be32 mask, char buf[24]);
uint32_t ct_flows(struct nat *n);
/* Delete the connections that used external address ADDR (ADDR 0: all) or RULE (-1: any),
 * and their mappings. Returns the number of connections removed. */
long nat_flush(struct nat *n, __be32 addr, int rule);
int nat_open_existing(struct ctl *c, struct nat *n);
/* For queries: 1 (nothing printed) when there is no instance or no NAT, 0 and N open, -1. */
int nat_open_query(struct ctl *c, struct nat *n);

#endif
