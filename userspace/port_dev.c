// SPDX-License-Identifier: MIT
/* Host-side port kinds: an existing device (`dev`), and a host macvlan of a parent made here
 * (`macvlan parent DEV`). Either one, when it is a macvlan, is a LAN port: its parent's LAN
 * joins the switch (lan.c). */
#include <stdio.h>
#include <string.h>
#include <bpf/bpf.h>
#include "ctl.h"
#include "intent.h"
#include "netlink.h"
#include "port.h"
#include "port_kind.h"

static bool dev_wants(const struct port_req *r)
{
	return r->dev && !r->macvlan;
}

static int dev_check(const struct port_req *r)
{
	if (r->parent)
		return errf("port %s: parent %s: only a macvlan port has a parent", r->name,
			   r->parent);
	if (r->netns)
		return errf("port %s: give either \"netns NS\" or \"dev\"", r->name);
	if (r->has_addr || r->has_gw || r->has_mac)
		return errf("port %s: addr, gw and mac are for new container ports, not dev",
			   r->name);
	return 0;
}

/* The device at IFX as port P; a macvlan makes P a LAN port of its parent. */
static int dev_fill(const struct port_req *r, struct sl_port *p, int ifx)
{
	struct nl_link_info li;

	if (ifx < 0 || nl_link_get(ifx, &li))
		return errf("device %s does not exist in the host netns", r->name);
	p->ifindex = ifx;
	memcpy(p->mac, li.mac, 6);
	if (r->spoofchk == 1)
		p->flags |= SL_PORT_F_SPOOFCHK;
	if (strcmp(li.kind, "macvlan"))
		return 0;
	if (li.link_netnsid >= 0 || li.peer_ifindex <= 0)
		return errf("port %s: the macvlan's parent is not in the host netns", r->name);
	if (r->hook != SL_HOOK_TC)
		return errf("port %s: xdp is not for a macvlan port (its LAN's frames are "
			   "redirected into tc)", r->name);
	if (lan_vlan_check(p))
		return -1;
	p->flags |= SL_PORT_F_LAN;
	p->parent = li.peer_ifindex;
	return 0;
}

static int dev_create(struct ctl *c, struct port_req *r, struct sl_port *p, struct port_made *m)
{
	return dev_fill(r, p, nl_link_index(r->name));
}

static void dev_destroy(struct ctl *c, const struct port_req *r, const struct sl_port *p,
			const struct port_made *m)
{
	if (m->owned && p->ifindex > 0)
		nl_link_del(p->ifindex);
}

static int dev_attach(struct ctl *c, struct sl_port *p)
{
	if (!(p->flags & SL_PORT_F_LAN))
		return 0;
	return lan_attach(c, p) || port_put(c, p->ifindex, p, BPF_EXIST) ?
	       -1 : 0;
}

const struct port_kind port_kind_dev = {
	.name = "dev",
	.wants = dev_wants,
	.check = dev_check,
	.create = dev_create,
	.destroy = dev_destroy,
	.attach = dev_attach,
};

static bool macvlan_wants(const struct port_req *r)
{
	return r->macvlan && !r->netns;
}

static int macvlan_check(const struct port_req *r)
{
	if (!r->parent)
		return errf("port %s: macvlan needs \"parent DEV\", the host device it sits on",
			   r->name);
	if (r->dev)
		return errf("port %s: give either \"dev\" or \"macvlan\"", r->name);
	if (r->has_addr || r->has_gw || r->has_mac)
		return errf("port %s: addr, gw and mac are for container ports, not a host "
			   "macvlan", r->name);
	return 0;
}

/* A host macvlan of PARENT, made here, then taken as a dev port. */
static int macvlan_create(struct ctl *c, struct port_req *r, struct sl_port *p,
			  struct port_made *m)
{
	int parent = nl_link_index(r->parent), ifx;

	if (parent < 0)
		return errf("parent %s does not exist in the host netns", r->parent);
	if (nl_link_index(r->name) > 0)
		return errf("device %s already exists in the host netns", r->name);
	if (intent_begin(c, INTENT_MACVLAN, r->name, NULL, 0, -1))
		return -1;
	if (nl_macvlan_add(r->name, parent, r->parent, -1) < 0)
		return -1;
	ifx = nl_link_index(r->name);
	if (ifx < 0)
		return -1;
	intent_made(c, r->name, ifx);
	m->owned = true;
	p->flags |= SL_PORT_F_OWNED;
	if (dev_fill(r, p, ifx)) {
		nl_link_del(ifx);
		return -1;
	}
	return 0;
}

const struct port_kind port_kind_host_macvlan = {
	.name = "macvlan",
	.wants = macvlan_wants,
	.check = macvlan_check,
	.create = macvlan_create,
	.destroy = dev_destroy,
	.attach = dev_attach,
};
