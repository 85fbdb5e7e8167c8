// SPDX-License-Identifier: MIT
/* The port table: ports by name, counter slots, writing a port into the maps and taking
 * it out again, and ports_for_each over the table. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "ctl.h"
#include "netlink.h"
#include "port.h"
#include "identity.h"
#include "vxlan.h"

int ports_for_each(struct ctl *c, int (*fn)(struct ctl *, const struct sl_port *, void *),
		   void *arg)
{
	struct sl_port p;
	uint32_t ifx, next;
	bool first = true;
	int ret;

	while (bpf_map_get_next_key(c->ports, first ? NULL : &ifx, &next) == 0) {
		first = false;
		ifx = next;
		if (bpf_map_lookup_elem(c->ports, &next, &p))
			continue;	/* deleted meanwhile */
		ret = fn(c, &p, arg);
		if (ret)
			return ret;
	}
	return 0;
}

struct by_name {
	const char *name;
	struct sl_port *p;
};

static int match_name(struct ctl *c, const struct sl_port *p, void *arg)
{
	struct by_name *q = arg;

	if (strcmp(p->name, q->name))
		return 0;
	*q->p = *p;
	return 1;
}

int port_get_by_name(struct ctl *c, const char *name, struct sl_port *p)
{
	return ports_for_each(c, match_name, &(struct by_name){ name, p }) == 1 ? 0 : -ENOENT;
}

static int mark_slot(struct ctl *c, const struct sl_port *p, void *used)
{
	if (p->slot <= SL_PORTS_MAX)
		((bool *)used)[p->slot] = true;
	return 0;
}

/* Lowest counter slot no port uses (1..SL_PORTS_MAX), or 0 when all are taken. */
static uint32_t slot_free(struct ctl *c)
{
	static bool used[SL_PORTS_MAX + 1];

	memset(used, 0, sizeof(used));
	ports_for_each(c, mark_slot, used);
	for (uint32_t s = 1; s <= SL_PORTS_MAX; s++)
		if (!used[s])
			return s;
	return 0;
}

/* Start a slot's counters from zero (slots are reused). */
static int stats_zero(struct ctl *c, uint32_t slot)
{
	int ncpu = libbpf_num_possible_cpus();
	struct sl_port_stats *zero = calloc(ncpu, sizeof(*zero));
	int ret = zero ? bpf_map_update_elem(c->stats, &slot, zero, BPF_ANY) : -ENOMEM;

	free(zero);
	return ret;
}

int port_install(struct ctl *c, struct sl_port *p)
{
	uint32_t ifx = p->ifindex;

	p->slot = slot_free(c);
	if (!p->slot)
		return errf("port %s: switch ports are full (%d per instance)", p->name,
			   SL_PORTS_MAX);
	if (p->flags & SL_PORT_F_ENDPOINT)
		ifx = p->ifindex = SL_EP_KEY(p->slot);
	/* Counters first, so the datapath never counts into a stale slot. */
	if (stats_zero(c, p->slot) ||
	    ((p->flags & SL_PORT_F_XDP_TX) && bpf_map_update_elem(c->tx, &ifx, &ifx, BPF_ANY)) ||
	    bpf_map_update_elem(c->ports, &ifx, p, BPF_ANY)) {
		bpf_map_delete_elem(c->tx, &ifx);
		return errf("port %s: write maps: %s", p->name, strerror(errno));
	}
	return 0;
}

void port_uninstall(struct ctl *c, const struct sl_port *p)
{
	uint32_t ifx = p->ifindex;

	addr6_uninstall(c, p);
	addr4_uninstall(c, p);
	bpf_map_delete_elem(c->ports, &ifx);
	bpf_map_delete_elem(c->tx, &ifx);
	port_ns_forget(c, ifx);
}

int port_remove(struct ctl *c, struct sl_port *p, bool delete_device)
{
	uint32_t ifx = p->ifindex;

	/* The host must not keep sending this address's traffic to the MAC that goes. */
	addr_neigh_forget(c, p->switch_id, p->ip);
	addr4_uninstall(c, p);
	addr6_uninstall(c, p);
	if (p->flags & SL_PORT_F_ENDPOINT) {	/* in no flood list, no FDB entry, no host hook */
		endpoint_remove(c, p, delete_device);
		return 0;
	}
	if (p->flags & SL_PORT_F_LAN)
		lan_detach(c, p);
	bpf_map_delete_elem(c->ports, &ifx);
	if (p->flags & SL_PORT_F_VXLAN)
		vxlan_forget(c, p);
	if (flood_rebuild(c, p->switch_id))
		return -1;
	bpf_map_delete_elem(c->tx, &ifx);
	fdb_flush_port(c, ifx);
	port_detach(c, ifx);
	port_ns_forget(c, ifx);
	if (delete_device) {
		struct nl_link_info li;

		/* Delete only what is still the device we made. */
		if (nl_link_get(ifx, &li) == 0 && !strcmp(li.name, p->name))
			nl_link_del(ifx);
	}
	return 0;
}
