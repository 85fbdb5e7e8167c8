// SPDX-License-Identifier: MIT
/* The overlay MTU: a switch with a VXLAN port gives its veths (both ends) the vxlan
 * device's MTU, the uplink's minus the encapsulation, so no frame is too big to cross. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "netlink.h"
#include "port.h"
#include "vxlan.h"

struct mtu_q {
	int ifindex, mtu;
};

/* Lower the MTU of Q's device in the current netns; never raises one. */
static int mtu_lower_here(void *arg)
{
	const struct mtu_q *q = arg;
	struct nl_link_info li;

	return nl_link_get(q->ifindex, &li) || li.mtu <= q->mtu ? 0 :
	       nl_link_set_mtu(q->ifindex, q->mtu);
}

/* Lower the MTU of the veth P (both ends) to MTU; never raises one. */
static int vx_veth_mtu(const struct sl_port *p, int mtu)
{
	struct mtu_q q = { .mtu = mtu };
	struct nl_link_info li;

	if (nl_link_get(p->ifindex, &li) || strcmp(li.kind, "veth"))
		return 0;
	if (li.mtu > mtu && nl_link_set_mtu(p->ifindex, mtu))
		return -1;
	if (li.peer_ifindex <= 0)
		return 0;
	q.ifindex = li.peer_ifindex;
	if (!(p->flags & SL_PORT_F_PEER))	/* a gateway leg: its peer is here */
		return mtu_lower_here(&q);
	return netns_run(p->netns, mtu_lower_here, &q);
}

struct sw_mtu {
	uint32_t switch_id;
	int mtu;
};

static int mtu_apply_one(struct ctl *c, const struct sl_port *p, void *arg)
{
	struct sw_mtu *q = arg;

	if (p->switch_id != q->switch_id || !(p->flags & SL_PORT_F_OWNED) ||
	    (p->flags & (SL_PORT_F_VXLAN | SL_PORT_F_ENDPOINT | SL_PORT_F_LAN)))
		return 0;
	if (vx_veth_mtu(p, q->mtu))
		fprintf(stderr, "sluice: warning: port %s keeps its MTU (overlay MTU %d)\n",
			p->name, q->mtu);
	return 0;
}

/* Containers on an overlay switch get the overlay's MTU, so nothing they send is too big. */
void vxlan_switch_mtu_apply(struct ctl *c, uint32_t switch_id, int mtu)
{
	ports_for_each(c, mtu_apply_one, &(struct sw_mtu){ switch_id, mtu });
}

static int mtu_lowest(struct ctl *c, const struct sl_port *p, void *arg)
{
	struct sw_mtu *q = arg;
	struct nl_link_info li;

	if (p->switch_id == q->switch_id && (p->flags & SL_PORT_F_VXLAN) &&
	    !nl_link_get(p->ifindex, &li) && (!q->mtu || li.mtu < q->mtu))
		q->mtu = li.mtu;
	return 0;
}

int vxlan_switch_mtu(struct ctl *c, uint32_t switch_id)
{
	struct sw_mtu q = { switch_id, 0 };

	ports_for_each(c, mtu_lowest, &q);
	return q.mtu;
}
