/* SPDX-License-Identifier: MIT */
/* A container port's IPv4 addresses beyond its first (addr4.c): what `port add` and `port set`
 * were given, and the sl_port4 map anti-spoofing reads for them (include/sluice_ip4.h). */
#ifndef SLUICE_ADDR4_H
#define SLUICE_ADDR4_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <json-c/json.h>
#include "ctl.h"
#include "sluice_ip4.h"

/* The addresses after the first "addr CIDR" of a command (the first stays in port_req). */
struct addr4_more {
	int n;
	uint32_t addr[SL_ADDR4_EXTRA_MAX];	/* network order */
	uint8_t plen[SL_ADDR4_EXTRA_MAX];
};

/* One more "addr CIDR" after FIRST (and M's): refuses a repeat or one over the limit. */
int addr4_more_add(struct addr4_more *m, uint32_t first, uint32_t addr, int plen);
/* Inside the container (current netns): device IFINDEX gets M's addresses. */
int addr4_peer_setup(const struct addr4_more *m, int ifindex);
/* P (installed, with its slot) owns M's addresses too, FIRST_PLEN being .ip's: writes
 * sl_port4, then sets or clears SL_PORT_F_ADDRS4 in P and in sl_ports. */
int addr4_install(struct ctl *c, struct sl_port *p, int first_plen, const struct addr4_more *m);
/* P's extra addresses (and the prefix lengths) into V; 0 when it has some. */
int addr4_get(struct ctl *c, const struct sl_port *p, struct sl_port4 *v);
/* ADDR is P's first or one of its extra addresses. */
bool addr4_port_has(struct ctl *c, const struct sl_port *p, uint32_t addr);
/* Forget P's extra addresses (its slot's entry; the host's neighbour entries of each). */
void addr4_uninstall(struct ctl *c, const struct sl_port *p);
/* "addrs": every IPv4 address of P, first one first, as CIDRs (only when it has several). */
void addr4_port_json(struct ctl *c, json_object *o, const struct sl_port *p);
/* `sluice save`: " addr CIDR" for each extra address of P. */
void addr4_save(struct ctl *c, FILE *f, const struct sl_port *p);
/* instance_remove: unpin sl_port4. */
void addr4_unpin(struct ctl *c);

#endif
