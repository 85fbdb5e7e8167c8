/* SPDX-License-Identifier: MIT */
/* NAT66's controller side (nat6.c): the IPv6 half of a rule, its external address followed
 * on the uplink, and its connection table for show, count, flush and the daemon's expiry. */
#ifndef SLUICE_NAT6_CTL_H
#define SLUICE_NAT6_CTL_H

#include <stdbool.h>
#include <stdint.h>
#include <json-c/json.h>
#include "ctl.h"
#include "sluice_nat6.h"

/* "fd00::/64" into R6's prefix and mask (host bits cleared); -1 when it is not one. */
int nat6_parse_cidr(const char *s, struct sl_nat6_rule *r6);
/* The first global, non-tentative, non-deprecated IPv6 address of IFINDEX into ADDR. */
int nat6_uplink_addr(int ifindex, __u32 addr[4]);
/* Read or write the IPv6 half of rule slot SLOT (pinned sl_nat6_rules). */
int nat6_rule_get(struct ctl *c, __u32 slot, struct sl_nat6_rule *r6);
int nat6_rule_put(struct ctl *c, __u32 slot, const struct sl_nat6_rule *r6);
/* Two IPv6 halves whose prefixes overlap. */
bool nat6_overlap(const struct sl_nat6_rule *a, const struct sl_nat6_rule *b);
/* "fd00::/64" and "2001:db8::1" of R6 into a `nat show` object. */
void nat6_rule_json(json_object *o, const struct sl_nat6_rule *r6);
/* Delete the connections, mappings and fragments of rule SLOT (-1: all) or of external
 * address EXT (NULL: any); the number of connections removed. */
long nat6_flush(struct ctl *c, int slot, const __u32 *ext);
/* The daemon's round: follow uplink addresses of FOLLOW rules, drop expired connections
 * and the mappings no connection uses any more. RULES: sl_nat_rules as read. */
void nat6_round(struct ctl *c, const struct sl_nat_rule *rules);

/* `nat ct show|count` for IPv6 entries: ORIG entries matching the filter, appended to ARR
 * (show) or counted. An address filter of the other family matches nothing. */
struct nat6_ct_filter {
	int proto, sport, dport, state, rule;	/* -1: any */
	bool v4_addr;				/* an IPv4 src/dst filter was given */
	bool has_src, has_dst;
	struct sl_nat6_rule src, dst;		/* prefix and mask only */
};
long nat6_ct_list(struct ctl *c, const struct nat6_ct_filter *f, json_object *arr,
		  const struct sl_nat_rule *rules);

#endif
