/* SPDX-License-Identifier: MIT */
/* The IPv6 maps as addr6.c and addr6_set.c open them, and the checks both make: shared
 * between those two files only (the rest of the controller includes addr6.h). */
#ifndef SLUICE_ADDR6_MAPS_H
#define SLUICE_ADDR6_MAPS_H

#include <stdbool.h>
#include <stdint.h>
#include "addr6.h"

struct maps6 {
	int addr, port;		/* sl_addr6, sl_port6 */
};

/* Open C's IPv6 maps; QUIET: no message when an older build made the instance. */
int maps6_open(struct ctl *c, struct maps6 *m, bool quiet);
void maps6_close(struct maps6 *m);
bool ip6_is_ll(const uint8_t *a);
/* Refuse an address of A already owned on SWITCH_ID by another than slot SELF. */
int addr6_taken(struct ctl *c, struct maps6 *m, uint32_t switch_id, uint32_t self,
		const struct addr6_req *a);
/* No gw6 in A: the switch's gateway on the first global address's prefix, if any. */
void gw6_default(struct maps6 *m, uint32_t switch_id, struct addr6_req *a);
/* IPv6 on for device IFNAME of the current netns (namespaces may start with it off). */
int ipv6_enable(const char *ifname);

#endif
