// SPDX-License-Identifier: MIT
/* The container port kind: a veth pair whose peer is made directly in the container's
 * netns and set up there (name, MAC, addresses, routes; XDP's needs), and switching the
 * peer of a live port to or from XDP. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include "ctl.h"
#include "netlink.h"
#include "port.h"
#include "port_kind.h"
#include "identity.h"
#include "intent.h"
#include "vxlan.h"

/* A container end behind an XDP port: NAPI (GRO) so it can take XDP_REDIRECT
 * frames, software checksums since redirected frames lose CHECKSUM_PARTIAL, and tags
 * in the frame's bytes, since XDP cannot see a tag kept as skb metadata. */
static int peer_prepare_xdp(const char *ifname)
{
	return nl_link_set_gro(ifname, true) || nl_link_set_tx_csum(ifname, false) ||
	       nl_link_set_tx_vlan(ifname, false) ? -1 : 0;
}

struct peer_xdp_q {
	int peer;
	bool xdp;
};

static int peer_set_xdp_here(void *arg)
{
	const struct peer_xdp_q *q = arg;
	char pname[IF_NAMESIZE];

	if (!if_indextoname(q->peer, pname))
		return -1;
	return q->xdp ? peer_prepare_xdp(pname) :
	       nl_link_set_tx_csum(pname, true) || nl_link_set_tx_vlan(pname, true) ||
	       nl_link_set_gro(pname, false);
}

/* Configure the container end of a live port for (or back from) XDP. */
int peer_set_xdp(struct ctl *c, const struct sl_port *p, bool xdp)
{
	char spec[PORT_NS_PATH_MAX];
	const char *where = port_ns_spec(c, p, spec);
	struct nl_link_info li;
	int ret = -1;

	if (nl_link_get(p->ifindex, &li) == 0 && li.peer_ifindex > 0)
		ret = netns_run(where, peer_set_xdp_here, &(struct peer_xdp_q){ li.peer_ifindex, xdp });
	return ret ? errf("port %s: cannot set up its container end (netns %s) for %s", p->name,
			 where, xdp ? "XDP" : "tc") : 0;
}

/* Inside the container: name, MAC, address, route, link up; returns its MAC. */
int peer_setup(const struct port_req *r, uint8_t mac[6])
{
	struct nl_link_info li;
	int ifx = nl_link_index(r->ifname);

	if (ifx < 0)
		return errf("device %s missing in netns %s", r->ifname, r->netns);
	if ((r->has_mac && nl_link_set_mac(ifx, r->mac)) || (r->mtu && nl_link_set_mtu(ifx, r->mtu)) ||
	    (r->has_addr && nl_addr_add(ifx, r->addr, r->plen)) || addr4_peer_setup(&r->a4, ifx) ||
	    (r->hook != SL_HOOK_TC && peer_prepare_xdp(r->ifname)) ||
	    nl_link_set_up(ifx, true) || (r->has_gw && nl_route_add_default(r->gw)) ||
	    addr6_peer_setup(&r->a6, ifx, r->ifname))
		return -1;
	if (nl_link_get(ifx, &li))
		return -1;
	memcpy(mac, li.mac, 6);
	return 0;
}

static bool veth_wants(const struct port_req *r)
{
	return r->netns && !r->macvlan && !r->dev;
}

static int veth_check(const struct port_req *r)
{
	if (r->parent)
		return errf("port %s: parent %s: only a macvlan port has a parent", r->name,
			   r->parent);
	return 0;
}

static int ifname_free_here(void *arg)
{
	const struct port_req *r = arg;

	if (nl_link_index(r->ifname) > 0)
		return errf("device %s already exists in netns %s", r->ifname, r->netns);
	return 0;
}

struct peer_setup_q {
	const struct port_req *r;
	uint8_t *mac;
};

static int peer_setup_here(void *arg)
{
	struct peer_setup_q *q = arg;

	return peer_setup(q->r, q->mac);
}

/* The pair, its peer born in the container's netns and set up there; the port's MAC is the
 * peer's. */
static int veth_create(struct ctl *c, struct port_req *r, struct sl_port *p, struct port_made *m)
{
	int ifx;

	if (nl_link_index(r->name) > 0)
		return errf("device %s already exists in the host netns", r->name);
	m->ns_fd = netns_open(r->netns);
	if (m->ns_fd < 0 || netns_run_fd(m->ns_fd, r->netns, ifname_free_here, r) ||
	    intent_begin(c, INTENT_VETH, r->name, NULL, 0, -1))
		return -1;
	ifx = nl_veth_add(r->name, r->ifname, m->ns_fd);
	if (ifx < 0)
		return -1;
	intent_made(c, r->name, ifx);
	m->owned = true;
	p->ifindex = ifx;
	r->mtu = vxlan_switch_mtu(c, p->switch_id);	/* an overlay switch: no frame too big */
	/* Back home before any ifindex is written (FIELD-NOTES): netns_run returns. */
	if ((r->mtu && nl_link_set_mtu(ifx, r->mtu)) ||
	    netns_run_fd(m->ns_fd, r->netns, peer_setup_here, &(struct peer_setup_q){ r, p->mac })) {
		nl_link_del(ifx);
		return -1;
	}
	p->flags |= SL_PORT_F_OWNED | SL_PORT_F_PEER;
	if (r->spoofchk != 0)
		p->flags |= SL_PORT_F_SPOOFCHK;
	if (r->has_addr)
		p->ip = r->addr;
	if (r->hook != SL_HOOK_TC)
		p->flags |= SL_PORT_F_XDP_TX;
	snprintf(p->netns, sizeof(p->netns), "%s", r->netns);
	return 0;
}

static void veth_destroy(struct ctl *c, const struct port_req *r, const struct sl_port *p,
			 const struct port_made *m)
{
	if (p->ifindex > 0)
		nl_link_del(p->ifindex);	/* the peer goes with it */
}

const struct port_kind port_kind_veth = {
	.name = "veth",
	.wants = veth_wants,
	.check = veth_check,
	.create = veth_create,
	.destroy = veth_destroy,
};
