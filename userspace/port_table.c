// SPDX-License-Identifier: MIT
/* The port table: ports by name, counter slots, writing a port into the maps and taking
 * it out again, and ports_for_each over the table. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "ctl.h"
#include "netlink.h"
#include "port.h"
#include "identity.h"
#include "vxlan.h"

/* Ports read per syscall: a walk by key cost two syscalls per port, which made every
 * `port add` at 500 ports ~10 ms slower (it walks the table several times). */
#define PORTS_CHUNK	128

/* The walk by key, where a batch read fails (ENOMEM, or a kernel without batch ops). */
static int ports_walk_by_key(struct ctl *c,
			     int (*fn)(struct ctl *, const struct sl_port *, void *), void *arg)
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

int ports_for_each(struct ctl *c, int (*fn)(struct ctl *, const struct sl_port *, void *),
		   void *arg)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	struct sl_port *ports = malloc(PORTS_CHUNK * sizeof(*ports));
	uint32_t keys[PORTS_CHUNK], cursor, got;
	void *in = NULL;
	int ret = 0, err;

	if (!ports)
		return ports_walk_by_key(c, fn, arg);
	/* A chunk is a copy: FN may remove its port (or any other) as it goes. */
	do {
		got = PORTS_CHUNK;
		err = bpf_map_lookup_batch(c->ports, in, &cursor, keys, ports, &got, &opts);
		if (err && errno != ENOENT) {
			if (!in) {	/* nothing seen yet: the walk by key does it all */
				free(ports);
				return ports_walk_by_key(c, fn, arg);
			}
			ret = errf("map sl_ports: batch read: %s", strerror(errno));
			break;
		}
		for (uint32_t i = 0; !ret && i < got; i++)
			ret = fn(c, &ports[i], arg);
		in = &cursor;
	} while (!err && !ret);
	free(ports);
	return ret;
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

/* The pinned ARRAY copy NAME of sl_ports (sluice.h), or -1 when the instance predates it
 * (its programs read only sl_ports; `sluice upgrade` creates and fills the copies). */
static int fast_open(struct ctl *c, const char *name)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", c->root, name);
	return bpf_obj_get(path);
}

/* Write P at KEY (or clear its slot and index: ERASE) into the ARRAY copies. */
static int fast_write(struct ctl *c, uint32_t key, const struct sl_port *p, bool erase)
{
	int slots = fast_open(c, "sl_port_slots"), idx = fast_open(c, "sl_port_idx"), ret = 0;
	uint32_t slot = p->slot, none = 0;
	struct sl_port zero = {};

	if (slots < 0 || idx < 0 || !slot || slot > SL_PORTS_MAX)
		goto out;
	if (erase) {	/* the index first: a frame never finds a half-cleared slot through it */
		if (key < SL_PORT_IDX_MAX)
			ret |= bpf_map_update_elem(idx, &key, &none, BPF_ANY);
		ret |= bpf_map_update_elem(slots, &slot, &zero, BPF_ANY);
	} else {	/* the slot first: the index never leads to a slot not yet written */
		ret |= bpf_map_update_elem(slots, &slot, p, BPF_ANY);
		if (key < SL_PORT_IDX_MAX)
			ret |= bpf_map_update_elem(idx, &key, &slot, BPF_ANY);
	}
out:
	if (slots >= 0)
		close(slots);
	if (idx >= 0)
		close(idx);
	return ret ? -1 : 0;
}

int port_put(struct ctl *c, uint32_t key, const struct sl_port *p, uint64_t flags)
{
	if (bpf_map_update_elem(c->ports, &key, p, flags))
		return -1;
	return fast_write(c, key, p, false);
}

int port_erase(struct ctl *c, uint32_t key)
{
	struct sl_port p;

	if (bpf_map_lookup_elem(c->ports, &key, &p))
		return -1;
	fast_write(c, key, &p, true);
	return bpf_map_delete_elem(c->ports, &key);
}

static int fast_fill(struct ctl *c, const struct sl_port *p, void *arg)
{
	(void)arg;
	return fast_write(c, p->ifindex, p, false) ?
	       errf("port %s: maps sl_port_slots, sl_port_idx: %s", p->name, strerror(errno)) : 0;
}

int ports_fast_sync(struct ctl *c)
{
	return ports_for_each(c, fast_fill, NULL);
}

void ports_fast_unpin(struct ctl *c)
{
	static const char *const names[] = { "sl_port_slots", "sl_port_idx" };

	pins_unlink(c, names, sizeof(names) / sizeof(names[0]));
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
	    port_put(c, ifx, p, BPF_ANY)) {
		port_erase(c, ifx);
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
	port_erase(c, ifx);
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
	port_erase(c, ifx);
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
