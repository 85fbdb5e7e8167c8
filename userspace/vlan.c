// SPDX-License-Identifier: MIT
/* `sluice vlan`: the host's gateway leg in each VLAN of a switch (switch.c's
 * gateway_add with an access VID) and the per-VLAN view of port memberships. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include "ctl.h"
#include "addr6.h"
#include "netlink.h"
#include "output.h"
#include "parse.h"
#include "port.h"

#define GW_HOST_MAX	(IF_NAMESIZE - 1 - 3)	/* room for the port's "-gw" suffix */

/* A gateway port as the host sees it: its host-side device and address. */
struct vlan_gw {
	struct sl_port port;
	char host[IF_NAMESIZE];
	int host_ifindex;
	uint32_t addr;		/* network order; 0 when the device has none */
	int plen;
};

/* Fill GW->host* from the veth peer of the gateway port GW->port. */
static void gateway_resolve(struct vlan_gw *gw)
{
	struct nl_link_info li;

	gw->host[0] = 0;
	gw->host_ifindex = 0;
	gw->addr = 0;
	gw->plen = 0;
	if (nl_link_get(gw->port.ifindex, &li) || li.peer_ifindex <= 0 ||
	    nl_link_get(li.peer_ifindex, &li))
		return;
	snprintf(gw->host, sizeof(gw->host), "%s", li.name);
	gw->host_ifindex = li.ifindex;
	if (nl_addr_first(li.ifindex, &gw->addr, &gw->plen))
		gw->addr = 0;
}

/* The gateway port of (SWITCH_ID, VID), resolved; -ENOENT if it has none. */
struct gw_q {
	uint32_t switch_id;
	uint16_t vid;
	uint32_t addr;
	int plen;
	struct vlan_gw *gw;
};

static int gateway_of_vlan(struct ctl *c, const struct sl_port *p, void *arg)
{
	struct gw_q *q = arg;

	if (p->switch_id != q->switch_id || !(p->flags & SL_PORT_F_GATEWAY) ||
	    p->mode != SL_MODE_ACCESS || p->pvid != q->vid)
		return 0;
	q->gw->port = *p;
	gateway_resolve(q->gw);
	return 1;
}

static int gateway_find(struct ctl *c, uint32_t switch_id, uint16_t vid, struct vlan_gw *gw)
{
	struct gw_q q = { .switch_id = switch_id, .vid = vid, .gw = gw };

	return ports_for_each(c, gateway_of_vlan, &q) == 1 ? 0 : -ENOENT;
}

static bool prefixes_overlap(uint32_t a, int alen, uint32_t b, int blen)
{
	int len = alen < blen ? alen : blen;
	uint32_t mask = mask_of(len);

	return !((a ^ b) & mask);
}

/* Another gateway of this instance whose subnet overlaps ADDR/PLEN: the host
 * could not tell which VLAN a destination lives in. */
static int gateway_overlaps(struct ctl *c, const struct sl_port *p, void *arg)
{
	struct gw_q *q = arg;

	if (!(p->flags & SL_PORT_F_GATEWAY))
		return 0;
	q->gw->port = *p;
	gateway_resolve(q->gw);
	return q->gw->addr && prefixes_overlap(q->addr, q->plen, q->gw->addr, q->gw->plen);
}

static int gateway_overlapping(struct ctl *c, uint32_t addr, int plen, struct vlan_gw *gw)
{
	struct gw_q q = { .addr = addr, .plen = plen, .gw = gw };

	return ports_for_each(c, gateway_overlaps, &q) == 1 ? 0 : -ENOENT;
}

static void format_cidr(uint32_t addr, int plen, char buf[20])
{
	char a[16];

	format_ipv4(addr, a);
	snprintf(buf, 20, "%s/%d", a, plen);
}

/* What `vlan add SWITCH VID` asked for after the VID. */
struct vlan_req {
	uint32_t addr;		/* network order */
	int plen;
	bool has_addr;
	const char *name;	/* the host leg's, or NULL: SWITCH.VID */
	struct addr6_req a6;
};

/* The options after SWITCH VID into Q: 0, or -1 printed. */
static int vlan_add_opts(int argc, char **argv, struct vlan_req *q)
{
	for (int i = 2; i < argc; i++) {
		const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		int n6;

		if (!v)
			return errf("vlan add: \"%s\" needs a value", k);
		i++;
		n6 = addr6_opt(&q->a6, ADDR6_GATEWAY, k, v);
		if (n6 < 0)
			return -1;
		if (n6)		/* an IPv6 gateway address */
			continue;
		if (!strcmp(k, "addr")) {
			if (parse_cidr(v, &q->addr, &q->plen) || q->plen < 1 || q->plen > 30)
				return errf("addr \"%s\" is not an IPv4 CIDR such as 10.0.10.1/24", v);
			q->has_addr = true;
		} else if (!strcmp(k, "name")) {
			if (!name_valid(v, GW_HOST_MAX))
				return errf("name \"%s\" is not an interface name of 1-%d characters "
					   "(A-Z a-z 0-9 _ . -)", v, GW_HOST_MAX);
			q->name = v;
		} else {
			return errf("vlan add: unexpected \"%s\"", k);
		}
	}
	return 0;
}

/* No other gateway of the instance has a subnet overlapping Q's: 0, or -1 printed. */
static int vlan_subnet_free(struct ctl *c, const struct vlan_req *q, uint16_t vid,
			    const char *sw_name)
{
	char mine[20], theirs[20];
	struct vlan_gw other;

	if (gateway_overlapping(c, q->addr, q->plen, &other))
		return 0;
	format_cidr(q->addr, q->plen, mine);
	format_cidr(other.addr, other.plen, theirs);
	return errf("vlan %u of switch %s: %s overlaps gateway %s (%s)", vid, sw_name, mine,
		   other.host, theirs);
}

static int vlan_add(struct ctl *c, int argc, char **argv)
{
	char host[IF_NAMESIZE + 8] = "", port[IF_NAMESIZE + 8];
	struct vlan_req q = { .a6 = ADDR6_REQ_INIT };
	const char *sw_name, *vid_s;
	struct vlan_gw other;
	struct sl_switch sw;
	struct sl_port p;
	int hostx;
	uint16_t vid;

	if (argc < 2)
		return errf("usage: sluice vlan add SWITCH VID addr CIDR [name IF]");
	sw_name = argv[0];
	vid_s = argv[1];
	if (parse_vid(vid_s, &vid))
		return errf("vlan \"%s\" is not a VLAN id (1-4094)", vid_s);
	if (vlan_add_opts(argc, argv, &q))
		return -1;
	if (!q.has_addr)
		return errf("vlan add %s %u: give the gateway's \"addr CIDR\"", sw_name, vid);
	if (instance_open(c, false))
		return -1;
	if (switch_get(c, sw_name, &sw))
		return errf("switch %s does not exist", sw_name);
	snprintf(host, sizeof(host), "%s.%u", sw_name, vid);	/* switch names are <= 12 */
	if (!q.name && strlen(host) > GW_HOST_MAX)
		return errf("vlan %u of switch %s: gateway name %s is longer than %d characters "
			   "(choose one with \"name IF\")", vid, sw_name, host, GW_HOST_MAX);
	if (q.name)
		snprintf(host, sizeof(host), "%s", q.name);
	snprintf(port, sizeof(port), "%s-gw", host);
	if (!gateway_find(c, sw.id, vid, &other))
		return errf("vlan %u of switch %s already has a gateway (%s)", vid, sw_name,
			   other.host[0] ? other.host : other.port.name);
	if (nl_link_index(host) > 0 || nl_link_index(port) > 0)
		return errf("vlan %u of switch %s: device %s or %s already exists in the host netns",
			   vid, sw_name, host, port);
	if (!port_get_by_name(c, port, &p))
		return errf("vlan %u of switch %s: port %s already exists", vid, sw_name, port);
	if (vlan_subnet_free(c, &q, vid, sw_name) || addr6_gateway_check(c, &q.a6))
		return -1;
	hostx = gateway_add(c, host, sw.id, vid, q.addr, q.plen);
	if (hostx < 0)
		return -1;
	if (addr6_gateway_add(c, host, &q.a6) || flood_rebuild(c, sw.id) || nat_local_sync(c)) {
		if (!port_get_by_name(c, port, &p))
			port_remove(c, &p, true);
		nat_local_sync(c);
		return -1;
	}
	return 0;
}

static int vlan_del(struct ctl *c, int argc, char **argv)
{
	struct vlan_gw gw;
	struct sl_switch sw;
	uint16_t vid;

	if (argc != 2)
		return errf("usage: sluice vlan del SWITCH VID");
	if (parse_vid(argv[1], &vid))
		return errf("vlan \"%s\" is not a VLAN id (1-4094)", argv[1]);
	if (instance_open(c, false))
		return -1;
	if (switch_get(c, argv[0], &sw))
		return errf("switch %s does not exist", argv[0]);
	if (gateway_find(c, sw.id, vid, &gw))
		return errf("vlan %u of switch %s has no gateway", vid, argv[0]);
	if (sw.gw_ifindex && gw.host_ifindex == (int)sw.gw_ifindex)
		return errf("vlan %u of switch %s: its gateway %s is the switch's own address "
			   "(it goes with switch del)", vid, argv[0], gw.host);
	if (port_remove(c, &gw.port, true))
		return -1;
	return nat_local_sync(c);
}

static int cmp_port_name(const void *a, const void *b)
{
	return strcmp(((const struct sl_port *)a)->name, ((const struct sl_port *)b)->name);
}

static int cmp_name(const void *a, const void *b)
{
	return strncmp(a, b, SL_NAME_LEN);
}

/* VLANs first..last of one switch with the same members and no gateway. */
struct vlan_run {
	unsigned first, last;
	json_object *untagged, *tagged;
	const struct sl_port *gwp;
};

static void vlan_run_emit(const char *name, struct vlan_run *r, json_object *arr)
{
	json_object *o;

	if (!r->first)
		return;
	o = json_object_new_object();
	jadd_str(o, "switch", name);
	jadd_int(o, "vlan", r->first);
	if (r->last != r->first)
		jadd_int(o, "to", r->last);
	json_object_object_add(o, "untagged", r->untagged);
	json_object_object_add(o, "tagged", r->tagged);
	if (r->gwp) {
		struct vlan_gw gw = { .port = *r->gwp };
		char cidr[20];

		gateway_resolve(&gw);
		jadd_str(o, "gateway", gw.host);
		if (gw.addr) {
			format_cidr(gw.addr, gw.plen, cidr);
			jadd_str(o, "addr", cidr);
		}
	}
	json_object_array_add(arr, o);
	r->first = 0;
}

/* One entry per VLAN of switch NAME that has any member, in VID order; a run of
 * VLANs with the same members and no gateway (a trunk's 100-199) is one entry. */
static void vlan_show_switch(const char *name, const struct sl_switch *sw,
			     const struct sl_port *ports, int nports, json_object *arr)
{
	struct vlan_run run = {};

	for (unsigned v = 1; v <= SL_VLAN_MAX; v++) {
		json_object *untagged = json_object_new_array();
		json_object *tagged = json_object_new_array();
		const struct sl_port *gwp = NULL;
		bool member = false;

		for (int i = 0; i < nports; i++) {
			const struct sl_port *p = &ports[i];
			bool untag = p->pvid == v;
			bool tag = !untag && p->mode == SL_MODE_TRUNK &&
				   (p->vids[v / 64] >> (v % 64) & 1);

			if (p->switch_id != sw->id || !(untag || tag))
				continue;
			member = true;
			if (p->flags & SL_PORT_F_GATEWAY) {
				if (untag && p->mode == SL_MODE_ACCESS && !gwp)
					gwp = p;
				continue;	/* shown as the gateway, not as a member port */
			}
			json_object_array_add(untag ? untagged : tagged,
					      json_object_new_string(p->name));
		}
		if (member && run.first && run.last == v - 1 && !run.gwp && !gwp &&
		    json_object_equal(run.untagged, untagged) &&
		    json_object_equal(run.tagged, tagged)) {
			run.last = v;
			member = false;	/* folded into the run */
		}
		if (!member) {
			json_object_put(untagged);
			json_object_put(tagged);
			continue;
		}
		vlan_run_emit(name, &run, arr);
		run = (struct vlan_run){ v, v, untagged, tagged, gwp };
	}
	vlan_run_emit(name, &run, arr);
}

struct copy_q {
	struct sl_port *ports;
	int *n;
};

static int port_copy(struct ctl *c, const struct sl_port *p, void *arg)
{
	struct copy_q *q = arg;

	(void)c;
	q->ports[(*q->n)++] = *p;
	return *q->n == SL_PORTS_MAX;
}

static int vlan_show(struct ctl *c, int argc, char **argv)
{
	struct sl_port *ports = calloc(SL_PORTS_MAX, sizeof(*ports));
	char (*names)[SL_NAME_LEN] = calloc(256, SL_NAME_LEN);
	json_object *arr = NULL;
	int nports = 0, nsw = 0, ret = -1, q;

	if (!ports || !names) {
		errf("vlan show: out of memory");
		goto out;
	}
	if (argc > 1) {
		errf("usage: sluice vlan show [SWITCH]");
		goto out;
	}
	q = instance_open_read(c);
	if (q == 1 && argc == 1) {
		errf("switch %s does not exist", argv[0]);
		goto out;
	}
	if (q == 1) {
		output_print(json_object_new_array());
		ret = 0;
		goto out;
	}
	if (q < 0)
		goto out;
	if (argc == 1) {
		if (switch_get(c, argv[0], &(struct sl_switch){})) {
			errf("switch %s does not exist", argv[0]);
			goto out;
		}
		snprintf(names[nsw++], SL_NAME_LEN, "%s", argv[0]);
	} else {
		while (nsw < 256 && bpf_map_get_next_key(c->switches, nsw ? names[nsw - 1] : NULL,
							 names[nsw]) == 0)
			nsw++;
		qsort(names, nsw, SL_NAME_LEN, cmp_name);
	}
	ports_for_each(c, port_copy, &(struct copy_q){ ports, &nports });
	qsort(ports, nports, sizeof(*ports), cmp_port_name);
	arr = json_object_new_array();
	for (int i = 0; i < nsw; i++) {
		struct sl_switch sw;

		if (!switch_get(c, names[i], &sw))
			vlan_show_switch(names[i], &sw, ports, nports, arr);
	}
	output_print(arr);
	ret = 0;
out:
	free(ports);
	free(names);
	return ret;
}

int cmd_vlan(struct ctl *c, int argc, char **argv)
{
	if (argc < 1 || matches(argv[0], "show") || matches(argv[0], "list"))
		return vlan_show(c, argc > 0 ? argc - 1 : 0, argv + 1);
	if (matches(argv[0], "add"))
		return vlan_add(c, argc - 1, argv + 1);
	if (matches(argv[0], "del") || matches(argv[0], "delete"))
		return vlan_del(c, argc - 1, argv + 1);
	return errf("vlan: unknown command \"%s\" (add, del, show)", argv[0]);
}
