/* SPDX-License-Identifier: MIT */
/* IPv6 addresses of ports and gateway legs (addr6.c): what an operator asked for, and
 * the hooks port.c, switch.c and vlan.c call to check, configure, install and show them. */
#ifndef SLUICE_ADDR6_H
#define SLUICE_ADDR6_H

#include <stdbool.h>
#include <stdint.h>
#include <json-c/json.h>
#include "ctl.h"
#include "sluice_ip6.h"

struct addr6_req {
	int n;				/* addresses in addr[] */
	uint8_t addr[SL_ADDR6_PORT_MAX][16];
	uint8_t plen[SL_ADDR6_PORT_MAX];
	bool has_gw6;
	uint8_t gw6[16];
	int trusted;			/* -1: not given */
};

#define ADDR6_REQ_INIT { .trusted = -1 }

enum addr6_for { ADDR6_PORT_ADD, ADDR6_PORT_SET, ADDR6_GATEWAY };

/* Option K V of a command for WHAT: 1 when it was an IPv6 option (consumed), 0 when it is
 * not one, -1 on bad input (printed). "addr" is IPv6 only when V holds a ':'. */
int addr6_opt(struct addr6_req *a, enum addr6_for what, const char *k, const char *v);
/* Nothing of A is taken on switch SWITCH_ID; fills A's gw6 from the switch's gateway
 * on the first address's prefix when none was given. */
int addr6_port_check(struct ctl *c, uint32_t switch_id, struct addr6_req *a);
/* A gateway's prefixes overlap no other gateway's of the instance. */
int addr6_gateway_check(struct ctl *c, const struct addr6_req *a);
/* Inside the container (current netns), on device IFINDEX named IFNAME: IPv6 on,
 * addresses, default route. */
int addr6_peer_setup(const struct addr6_req *a, int ifindex, const char *ifname);
/* P (installed, with its slot) owns A's addresses and its EUI-64 link-local. */
int addr6_install(struct ctl *c, const struct sl_port *p, const struct addr6_req *a);
/* Forget everything P owned (its slot's entries and policy). */
void addr6_uninstall(struct ctl *c, const struct sl_port *p);
/* `port set`: trusted on|off, and "addr CIDR6..." [gw6 IP6], which replace P's IPv6
 * addresses (check before anything changes, then set). */
int addr6_port_set_check(struct ctl *c, const struct sl_port *p, struct addr6_req *a);
int addr6_port_set(struct ctl *c, const struct sl_port *p, const struct addr6_req *a);
/* Host leg HOST (just made by gateway_add, port HOST-gw) gets A's addresses. */
int addr6_gateway_add(struct ctl *c, const char *host, const struct addr6_req *a);
/* "addr6", "gw6", "trusted" of port P; "addr6" of the gateway legs of switch SWITCH_ID. */
void addr6_port_json(struct ctl *c, json_object *o, const struct sl_port *p);
void addr6_switch_json(struct ctl *c, json_object *o, uint32_t switch_id);
/* instance_remove: unpin the IPv6 maps. */
void addr6_unpin(struct ctl *c);

/* For addr6.c and addr6_set.c (`port set`'s half) only: the IPv6 maps they open and the
 * checks both make. */
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
