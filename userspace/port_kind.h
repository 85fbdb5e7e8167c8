/* SPDX-License-Identifier: MIT */
/* Port kinds: how a port's device is made (or found) and unmade. `port add` (port.c) is
 * parse → kind->check → kind->create → install → attach → kind->attach, and its undo runs
 * the same steps backwards. Adding a kind is one file with its `struct port_kind` and one
 * entry in port_kinds[] (docs/extending.md). */
#ifndef SLUICE_PORT_KIND_H
#define SLUICE_PORT_KIND_H

#include <stdbool.h>
#include "ctl.h"

struct port_req;		/* port.h: what `port add` was asked for */

/* What create made, for the undo and for install. */
struct port_made {
	int ns_fd;		/* the container's netns (veth ports), else -1 */
	bool owned;		/* the device is sluice's: deleted on undo and by port del */
};

struct port_kind {
	const char *name;
	/* Whether R asks for this kind (the first kind that says yes takes it). */
	bool (*wants)(const struct port_req *r);
	/* Options that do not fit the kind: 0, or -1 printed, before anything is made. */
	int (*check)(const struct port_req *r);
	/* Make or find the device and fill P (ifindex, MAC, flags): 0, or -1 printed with
	 * nothing left behind. */
	int (*create)(struct ctl *c, struct port_req *r, struct sl_port *p, struct port_made *m);
	/* Undo create (the device goes if it is sluice's). */
	void (*destroy)(struct ctl *c, const struct port_req *r, const struct sl_port *p,
			const struct port_made *m);
	/* Hooks the kind adds after the port's own (a LAN port's on its parent), or NULL. */
	int (*attach)(struct ctl *c, struct sl_port *p);
	/* Kinds whose whole add is their own (a macvlan endpoint lives in the container's
	 * netns, with its own programs), or NULL. */
	int (*add)(struct ctl *c, const struct port_req *r, struct sl_port *p);
};

extern const struct port_kind port_kind_veth;		/* port_veth.c */
extern const struct port_kind port_kind_dev;		/* port_dev.c */
extern const struct port_kind port_kind_host_macvlan;	/* port_dev.c */
extern const struct port_kind port_kind_endpoint;	/* endpoint.c */

#endif
