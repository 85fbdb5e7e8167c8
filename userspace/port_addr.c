// SPDX-License-Identifier: MIT
/* The IPv4 addresses of a switch's ports and gateways: one owner per address (each of a
 * port's several, addr4.c), and the host's neighbour entries forgotten when one changes hands. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <bpf/bpf.h>
#include "ctl.h"
#include "netlink.h"
#include "parse.h"
#include "port.h"

/* Ports of VID (0: any VLAN) share a broadcast domain with an access port of VID. */
static bool vlan_shared(const struct sl_port *p, uint16_t vid)
{
	return !vid || p->mode == SL_MODE_TRUNK || p->pvid == vid;
}

struct gw_each {
	uint32_t switch_id;
	uint16_t vid;
	int (*fn)(int host_ifindex, uint32_t addr, void *arg);
	void *arg;
};

static int gateway_call(struct ctl *c, const struct sl_port *p, void *arg)
{
	struct gw_each *q = arg;
	struct nl_link_info li;
	uint32_t a;
	int plen;

	if (p->switch_id != q->switch_id || !(p->flags & SL_PORT_F_GATEWAY) ||
	    !vlan_shared(p, q->vid) || nl_link_get(p->ifindex, &li) || li.peer_ifindex <= 0)
		return 0;
	a = nl_addr_first(li.peer_ifindex, &a, &plen) ? 0 : a;
	return q->fn(li.peer_ifindex, a, q->arg);
}

/* Call FN for the host leg (the device with the address) of every gateway of SWITCH_ID in
 * VLAN VID (0: every VLAN). */
static int gateways_each(struct ctl *c, uint32_t switch_id, uint16_t vid,
			 int (*fn)(int host_ifindex, uint32_t addr, void *arg), void *arg)
{
	struct gw_each q = { switch_id, vid, fn, arg };

	return ports_for_each(c, gateway_call, &q);
}

static int gateway_has(int host_ifindex, uint32_t addr, void *arg)
{
	return addr && addr == *(uint32_t *)arg;
}

struct owner_q {
	uint32_t switch_id;
	uint16_t vid;
	uint32_t addr;
	const char *self;
	struct sl_port owner;
};

/* Another port than SELF in the broadcast domain holding ADDR (it is copied to OWNER). */
static int addr_owner(struct ctl *c, const struct sl_port *p, void *arg)
{
	struct owner_q *q = arg;

	if (p->switch_id != q->switch_id || !p->ip || !strcmp(p->name, q->self) ||
	    !vlan_shared(p, q->vid) || !addr4_port_has(c, p, q->addr))
		return 0;
	q->owner = *p;
	return 1;
}

int addr_check_free(struct ctl *c, uint32_t switch_id, uint16_t vid, uint32_t addr,
		    const char *self)
{
	struct owner_q q = { .switch_id = switch_id, .vid = vid, .addr = addr, .self = self };
	char a[16], sw[SL_NAME_LEN];

	format_ipv4(addr, a);
	if (gateways_each(c, switch_id, vid, gateway_has, &addr))
		return errf("address %s is the gateway's own on switch %s", a,
			   switch_name_of(c, switch_id, sw));
	if (ports_for_each(c, addr_owner, &q))
		return errf("address %s is port %s's on switch %s: one address, one port",
			   a, q.owner.name, switch_name_of(c, switch_id, sw));
	return 0;
}

static int neigh_forget_on(int host_ifindex, uint32_t addr, void *arg)
{
	nl_neigh_del(host_ifindex, *(uint32_t *)arg);
	return 0;
}

void addr_neigh_forget(struct ctl *c, uint32_t switch_id, uint32_t addr)
{
	if (addr)
		gateways_each(c, switch_id, 0, neigh_forget_on, &addr);
}

int addrs_check_free(struct ctl *c, uint32_t switch_id, uint16_t vid, const struct port_req *r,
		     const char *self)
{
	if (addr_check_free(c, switch_id, vid, r->addr, self))
		return -1;
	for (int i = 0; i < r->a4.n; i++)
		if (addr_check_free(c, switch_id, vid, r->a4.addr[i], self))
			return -1;
	return 0;
}

void addrs_of_port(struct ctl *c, const struct sl_port *p, struct port_req *r)
{
	struct sl_port4 v;

	r->addr = p->ip;
	r->a4.n = 0;
	if (addr4_get(c, p, &v))
		return;
	r->plen = v.plen[0];
	for (uint32_t i = 0; i < v.naddr && i < SL_ADDR4_EXTRA_MAX; i++) {
		r->a4.addr[r->a4.n] = v.addr[i];
		r->a4.plen[r->a4.n++] = v.plen[i + 1];
	}
}

int addrs_replace(struct ctl *c, const struct sl_port *old, struct sl_port *p,
		  const struct port_req *r)
{
	struct sl_port4 v;
	bool had = !addr4_get(c, old, &v);

	if (addr4_install(c, p, r->plen, &r->a4))
		return -1;
	for (uint32_t i = 0; had && i < v.naddr && i < SL_ADDR4_EXTRA_MAX; i++)
		if (!addr4_port_has(c, p, v.addr[i]))
			addr_neigh_forget(c, p->switch_id, v.addr[i]);
	return 0;
}
