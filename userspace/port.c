// SPDX-License-Identifier: MIT
/* `sluice port`: the command line (add, set, del, show). Kinds of port are port_kind.h's,
 * the port table port_table.c's, flood lists flood.c's. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "ctl.h"
#include "netlink.h"
#include "output.h"
#include "parse.h"
#include "port.h"
#include "port_kind.h"
#include "identity.h"
#include "intent.h"
#include "vxlan.h"

static const char *hook_name(int hook)
{
	return hook == SL_HOOK_XDP_NATIVE ? "xdp native" : hook == SL_HOOK_XDP_GENERIC ?
	       "xdp generic" : hook == SL_HOOK_XDP_OFFLOAD ? "xdp offload" : "tc";
}

#define PORT_ADD_OPTS "netns, dev, macvlan, parent, ifname, addr, gw, mac, xdp, vlan, trunk, " \
		      "native, spoofchk"
#define PORT_SET_OPTS "addr, xdp, vlan, trunk, native, spoofchk"

/* Options shared by add and set; ADD allows the creation-only ones. */
static int parse_port_opts(struct port_req *r, int argc, char **argv, bool add)
{
	const char *mode_k = NULL, *mode_v = NULL, *native = NULL;
	char why[80], list[1024];

	for (int i = 0; i < argc; i++) {
		const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (add && !strcmp(k, "dev")) {
			r->dev = true;
			continue;
		}
		if (add && !strcmp(k, "macvlan")) {
			r->macvlan = true;
			continue;
		}
		int n6 = addr6_opt(&r->a6, add ? ADDR6_PORT_ADD : ADDR6_PORT_SET, k, v);

		if (n6 < 0)
			return -1;
		if (n6) {	/* an IPv6 address, gw6 or trusted */
			i++;
			continue;
		}
		if (!v)
			return errf("port: \"%s\" needs a value%s", k,
				   add && !strcmp(k, "netns") ? " (the container's netns)" : "");
		i++;
		if (!strcmp(k, "vlan") || !strcmp(k, "trunk")) {
			if (mode_k)
				return errf("port: VLAN mode is given twice (\"%s %s\" and \"%s %s\"): "
					   "a port is an access port or a trunk", mode_k, mode_v, k, v);
			mode_k = k;
			mode_v = v;
		}
		if (add && !strcmp(k, "netns")) {
			r->netns = v;
		} else if (add && !strcmp(k, "parent")) {
			if (!name_valid(v, IF_NAMESIZE - 1))
				return errf("parent \"%s\" is not a valid interface name", v);
			r->parent = v;
		} else if (add && !strcmp(k, "ifname")) {
			if (!name_valid(v, IF_NAMESIZE - 1))
				return errf("ifname \"%s\" is not a valid interface name", v);
			r->ifname = v;
		} else if (!strcmp(k, "addr")) {
			uint32_t a;
			int plen;

			if (parse_cidr(v, &a, &plen) || plen < 1 || plen > 32)
				return errf("addr \"%s\" is not an IPv4 CIDR such as 10.0.0.2/24", v);
			if (r->has_addr && addr4_more_add(&r->a4, r->addr, a, plen))
				return -1;	/* several: the first stays the port's .ip */
			if (!r->has_addr) {
				r->addr = a;
				r->plen = plen;
			}
			r->has_addr = true;
		} else if (add && !strcmp(k, "gw")) {
			if (parse_ipv4(v, &r->gw))
				return errf("gw \"%s\" is not an IPv4 address", v);
			r->has_gw = true;
		} else if (add && !strcmp(k, "mac")) {
			if (parse_mac(v, r->mac))
				return errf("mac \"%s\" is not a MAC address such as 02:00:00:00:00:01", v);
			if (r->mac[0] & 1)
				return errf("mac %s is a multicast address", v);
			r->has_mac = true;
		} else if (!strcmp(k, "xdp")) {
			if (!strcmp(v, "native"))
				r->hook = SL_HOOK_XDP_NATIVE;
			else if (!strcmp(v, "generic"))
				r->hook = SL_HOOK_XDP_GENERIC;
			else if (!strcmp(v, "offload"))
				r->hook = SL_HOOK_XDP_OFFLOAD;
			else if (!strcmp(v, "auto"))
				r->hook = PORT_HOOK_AUTO;
			else if (!add && !strcmp(v, "off"))
				r->hook = SL_HOOK_TC;
			else
				return errf("xdp \"%s\": expected native, generic, offload or auto%s", v,
					   add ? "" : " or off");
			r->has_hook = true;
		} else if (!strcmp(k, "vlan")) {
			if (parse_vid(v, &r->pvid))
				return errf("vlan \"%s\" is not a VLAN id (1-4094)", v);
			r->mode = SL_MODE_ACCESS;
			r->has_vlan = true;
		} else if (!strcmp(k, "trunk")) {
			if (parse_vid_list(v, r->vids, why, sizeof(why)))
				return errf("trunk \"%s\": %s (expected a list such as 10,20,100-199)",
					   v, why);
			r->mode = SL_MODE_TRUNK;
			r->pvid = 0;
			r->has_vlan = true;
		} else if (!strcmp(k, "native")) {
			if (native)
				return errf("native %s: given twice", v);
			native = v;
		} else if (!strcmp(k, "spoofchk")) {
			if (strcmp(v, "on") && strcmp(v, "off"))
				return errf("spoofchk \"%s\": expected on or off", v);
			r->spoofchk = !strcmp(v, "on");
		} else if (!add && (!strcmp(k, "netns") || !strcmp(k, "parent") ||
				    !strcmp(k, "ifname") || !strcmp(k, "gw") || !strcmp(k, "mac"))) {
			return errf("port set: \"%s\" is given when the port is made (set takes %s)",
				   k, PORT_SET_OPTS);
		} else {
			return errf("port %s: unknown option \"%s\" (%s takes %s)", add ? "add" : "set",
				   k, add ? "add" : "set", add ? PORT_ADD_OPTS : PORT_SET_OPTS);
		}
	}
	if (native) {	/* after the loop: "native" may come before "trunk" */
		if (!r->has_vlan || r->mode != SL_MODE_TRUNK)
			return errf("native %s: only a trunk has a native VLAN (give it with \"trunk VIDS\")",
				   native);
		if (parse_vid(native, &r->pvid))
			return errf("native \"%s\" is not a VLAN id (1-4094)", native);
		if (!(r->vids[r->pvid / 64] >> (r->pvid % 64) & 1)) {
			format_vid_list(r->vids, list, sizeof(list));
			return errf("native VLAN %u is not in the trunk's list %s", r->pvid, list);
		}
	}
	return 0;
}


static void port_fill_vlan(struct sl_port *p, const struct port_req *r)
{
	if (!r->has_vlan) {
		p->mode = SL_MODE_ACCESS;
		p->pvid = SL_VLAN_DEFAULT;
		return;
	}
	p->mode = r->mode;
	p->pvid = r->pvid;
	memcpy(p->vids, r->vids, sizeof(p->vids));
}

/* "already exists", and when its device is gone (a container netns deleted while no daemon
 * ran), what to do about it. */
static int port_exists_err(struct ctl *c, const struct sl_port *p)
{
	struct nl_link_info li;
	bool gone = p->flags & SL_PORT_F_ENDPOINT ? !endpoint_alive(c, p) :
		    nl_link_get(p->ifindex, &li) || strcmp(li.name, p->name);

	if (!gone)
		return errf("port %s already exists", p->name);
	return errf("port %s already exists, but its device is gone (its netns deleted?): remove "
		   "the stale port with \"sluice port del %s\" (a running sluice daemon does it "
		   "by itself)", p->name, p->name);
}

static const struct port_kind *const port_kinds[] = {
	&port_kind_endpoint, &port_kind_host_macvlan, &port_kind_dev, &port_kind_veth,
};

/* The kind R asks for, or NULL (printed). */
static const struct port_kind *port_kind_of(const struct port_req *r)
{
	for (size_t i = 0; i < sizeof(port_kinds) / sizeof(port_kinds[0]); i++)
		if (port_kinds[i]->wants(r))
			return port_kinds[i]->check(r) ? NULL : port_kinds[i];
	if (r->netns && r->dev)
		errf("port %s: give either \"netns NS\" or \"dev\"", r->name);
	else
		errf("port %s: which kind of port? give \"netns NS\" (a container veth), "
		    "\"dev\" (an existing device) or \"macvlan parent DEV\"", r->name);
	return NULL;
}

/* What every kind checks once the instance is open: the switch, the name, the addresses;
 * then P starts as the request describes it. */
static int port_add_prepare(struct ctl *c, struct port_req *r, const struct port_kind *k,
			    struct sl_port *p)
{
	struct sl_switch sw;

	if (instance_open(c, false))
		return -1;
	if (switch_get(c, r->sw, &sw))
		return errf("switch %s does not exist", r->sw);
	if (!port_get_by_name(c, r->name, p))
		return port_exists_err(c, p);
	if (k != &port_kind_veth && k != &port_kind_endpoint && (r->a6.n || r->a6.has_gw6))
		return errf("port %s: IPv6 addr and gw6 are for container ports", r->name);
	if (addr6_port_check(c, sw.id, &r->a6))
		return -1;
	if (r->has_addr && addrs_check_free(c, sw.id, !r->has_vlan ? SL_VLAN_DEFAULT :
					   r->mode == SL_MODE_ACCESS ? r->pvid : 0, r, r->name))
		return -1;
	if (!r->has_gw && r->has_addr && sw.gw_ifindex && sw.gw_plen &&
	    !((r->addr ^ sw.gw_addr) & htonl(~0u << (32 - sw.gw_plen)))) {
		r->gw = sw.gw_addr;	/* the switch's gateway is on the container's subnet */
		r->has_gw = true;
	}
	memset(p, 0, sizeof(*p));
	p->switch_id = sw.id;
	p->hook = r->hook == PORT_HOOK_AUTO ? SL_HOOK_TC : r->hook;	/* auto: what it gets */
	snprintf(p->name, sizeof(p->name), "%s", r->name);
	port_fill_vlan(p, r);
	return 0;
}

/* parse → kind->create → install → attach → kind->attach; the undo runs backwards. */
static int port_add(struct ctl *c, int argc, char **argv)
{
	struct port_req r = { .ifname = "eth0", .spoofchk = -1, .a6 = ADDR6_REQ_INIT };
	struct port_made m = { .ns_fd = -1 };
	const struct port_kind *k;
	struct sl_port p = {};
	int ret = -1;

	if (argc < 2)
		return errf("port add: %s missing: sluice port add SWITCH NAME netns NS|dev|macvlan "
			   "parent DEV [OPTION VALUE]... (sluice port help)",
			   argc ? "the port's NAME is" : "SWITCH and NAME are");
	if (argc > 2 && !strcmp(argv[2], "vxlan"))
		return vxlan_port_add(c, argc, argv);
	r.sw = argv[0];
	r.name = argv[1];
	if (!name_valid(r.name, IF_NAMESIZE - 1))
		return errf("port name \"%s\" is not a valid interface name", r.name);
	if (parse_port_opts(&r, argc - 2, argv + 2, true))
		return -1;
	k = port_kind_of(&r);
	if (!k || port_add_prepare(c, &r, k, &p))
		return -1;
	if (k->add)
		return k->add(c, &r, &p);
	if (k->create(c, &r, &p, &m))
		goto out;
	/* Maps before hooks: the first frame already finds its port. */
	if (port_install(c, &p))
		goto destroy;
	if ((m.ns_fd >= 0 && port_ns_record(c, p.ifindex, r.netns, m.ns_fd)) ||
	    addr6_install(c, &p, &r.a6) || addr4_install(c, &p, r.plen, &r.a4))
		goto uninstall;
	if (nl_link_set_up(p.ifindex, true) || port_attach(c, p.ifindex, r.name, SL_HOOK_TC))
		goto uninstall;
	if (r.hook != SL_HOOK_TC && (port_xdp_attach(c, &p, r.hook) ||
				     port_put(c, p.ifindex, &p, BPF_EXIST)))
		goto detach;
	/* From here the port is whole: port_remove takes all of it. */
	if (flood_rebuild(c, p.switch_id) || (k->attach && k->attach(c, &p)))
		goto remove;
	ret = 0;
	goto out;
remove:
	port_remove(c, &p, m.owned);
	goto out;
detach:
	port_detach(c, p.ifindex);
uninstall:
	port_uninstall(c, &p);
destroy:
	k->destroy(c, &r, &p, &m);
out:
	intent_end(c, r.name);
	if (m.ns_fd >= 0)
		close(m.ns_fd);
	return ret;
}

static int port_set(struct ctl *c, int argc, char **argv)
{
	struct port_req r = { .spoofchk = -1, .a6 = ADDR6_REQ_INIT };
	struct sl_port p, old;
	uint32_t ifx;

	if (argc < 2)
		return errf("usage: sluice port set NAME [addr CIDR]... [xdp native|generic|offload|auto|off] "
			   "[vlan VID | trunk VIDS [native VID]] [spoofchk on|off] [trusted on|off] "
			   "[addr CIDR6 ... [gw6 IP6]]");
	if (!strcmp(argv[1], "remotes"))
		return vxlan_port_set(c, argc, argv);
	if (parse_port_opts(&r, argc - 1, argv + 1, false))
		return -1;
	if (instance_open(c, false))
		return -1;
	if (port_get_by_name(c, argv[0], &p))
		return errf("port %s does not exist", argv[0]);
	old = p;
	ifx = p.ifindex;
	if (addr6_port_set_check(c, &p, &r.a6))
		return -1;
	if (r.has_hook && (p.flags & (SL_PORT_F_ENDPOINT | SL_PORT_F_LAN)))
		return errf("port %s: xdp is not for macvlan ports", p.name);
	if ((r.has_hook || r.has_vlan) && (p.flags & SL_PORT_F_VXLAN))
		return errf("port %s: a VXLAN port's VLANs are its VNIs and its hook is tc: delete "
			   "and add it again to change them", p.name);
	if (r.has_vlan)
		port_fill_vlan(&p, &r);
	if (r.has_vlan && (p.flags & SL_PORT_F_LAN) && lan_vlan_check(&p))
		return -1;
	if (r.spoofchk >= 0)
		p.flags = r.spoofchk ? p.flags | SL_PORT_F_SPOOFCHK : p.flags & ~SL_PORT_F_SPOOFCHK;
	if (r.has_addr && (p.flags & (SL_PORT_F_GATEWAY | SL_PORT_F_LAN)))
		return errf("port %s: addr is for container ports (the address its container "
			   "sends from)", p.name);
	if (!r.has_addr && r.has_vlan && p.ip)
		addrs_of_port(c, &old, &r);	/* its addresses meet the new VLAN's */
	if ((r.has_addr || (r.has_vlan && p.ip)) &&
	    addrs_check_free(c, p.switch_id, p.mode == SL_MODE_ACCESS ? p.pvid : 0, &r, p.name))
		return -1;
	if (r.has_addr)
		p.ip = r.addr;	/* what anti-spoofing accepts from now on, with r.a4 */
	else if (r.has_vlan && p.ip && (old.pvid != p.pvid || old.mode != p.mode)) {
		char a[16];

		format_ipv4(p.ip, a);
		fprintf(stderr, "sluice: note: port %s still accepts only %s as its source: if its "
			"container's address changes with the VLAN, give addr CIDR too\n", p.name, a);
	}
	/* xdp offload again: a freshly loaded filter replaces the device's in one step. */
	if (r.has_hook && r.hook == SL_HOOK_XDP_OFFLOAD && p.hook == SL_HOOK_XDP_OFFLOAD &&
	    offload_attach(c, &p))
		return -1;
	if (r.has_hook && r.hook != p.hook) {
		if (r.hook != SL_HOOK_TC && p.hook != SL_HOOK_TC)
			return errf("port %s: set xdp off before changing the XDP mode", p.name);
		if (r.hook != SL_HOOK_TC && !(p.flags & SL_PORT_F_PEER))
			fprintf(stderr, "sluice: note: port %s is not a container veth: frames "
				"for it still cross tc\n", p.name);
		if (r.hook == SL_HOOK_TC) {
			/* No XDP redirects towards it before its hook goes. */
			p.flags &= ~SL_PORT_F_XDP_TX;
			p.hook = SL_HOOK_TC;
			if (port_put(c, ifx, &p, BPF_EXIST))
				return errf("port %s: map sl_ports: %s", p.name, strerror(errno));
			bpf_map_delete_elem(c->tx, &ifx);
			port_detach_xdp(c, ifx);
			if ((p.flags & SL_PORT_F_PEER) && peer_set_xdp(c, &p, false))
				return -1;	/* the port is on tc; its peer keeps XDP's settings */
		} else {
			if (port_xdp_attach(c, &p, r.hook))
				return -1;
			if ((p.flags & SL_PORT_F_PEER) && peer_set_xdp(c, &p, true)) {
				port_detach_xdp(c, ifx);	/* nothing applied, nothing shown */
				return -1;
			}
			if (p.flags & SL_PORT_F_PEER)
				p.flags |= SL_PORT_F_XDP_TX;
			if ((p.flags & SL_PORT_F_XDP_TX) && bpf_map_update_elem(c->tx, &ifx, &ifx, BPF_ANY))
				return errf("port %s: map sl_tx: %s", p.name, strerror(errno));
		}
	}
	if (port_put(c, ifx, &p, BPF_EXIST))
		return errf("port %s: map sl_ports: %s", p.name, strerror(errno));
	if (old.ip != p.ip)
		addr_neigh_forget(c, p.switch_id, old.ip);
	if (r.has_addr && addrs_replace(c, &old, &p, &r))
		return -1;
	if (addr6_port_set(c, &p, &r.a6))
		return -1;
	if (offload_sync(c, &p))
		return -1;
	if (r.has_vlan && (old.mode != p.mode || old.pvid != p.pvid ||
			   memcmp(old.vids, p.vids, sizeof(p.vids)))) {
		fdb_flush_port(c, ifx);	/* what it learned belongs to its old VLANs */
		return flood_rebuild(c, p.switch_id);
	}
	return 0;
}

static int port_del(struct ctl *c, int argc, char **argv)
{
	struct sl_port p;

	if (argc != 1)
		return errf("usage: sluice port del NAME");
	if (instance_open(c, false))
		return -1;
	if (port_get_by_name(c, argv[0], &p))
		return errf("port %s does not exist", argv[0]);
	if (p.flags & SL_PORT_F_GATEWAY) {
		char sw[SL_NAME_LEN], own[SL_NAME_LEN + 3];

		snprintf(own, sizeof(own), "%s-gw", switch_name_of(c, p.switch_id, sw));
		if (strcmp(p.name, own))	/* a leg made by `vlan add` */
			return errf("port %s is the gateway of VLAN %u of its switch: it goes with "
				   "vlan del %s %u", p.name, p.pvid, sw, p.pvid);
		return errf("port %s is the gateway of its switch: it goes with switch del", p.name);
	}
	return port_remove(c, &p, p.flags & SL_PORT_F_OWNED);
}

static json_object *port_json(struct ctl *c, const struct sl_port *p)
{
	json_object *o = json_object_new_object();
	/* The longest list, every other VID ("1,3,...,4093"), takes 2047 items. */
	char buf[SL_NAME_LEN], mac[18], ip[16], vids[2048 * 5], spec[PORT_NS_PATH_MAX];

	jadd_str(o, "name", p->name);
	jadd_str(o, "switch", switch_name_of(c, p->switch_id, buf));
	/* An endpoint's device lives in its container: its ifindex there, and its slot. */
	jadd_int(o, "ifindex", p->flags & SL_PORT_F_ENDPOINT ? p->ep_ifindex : p->ifindex);
	if (p->flags & SL_PORT_F_ENDPOINT)
		jadd_int(o, "slot", p->slot);
	jadd_str(o, "hook", hook_name(p->hook));
	if (p->flags & (SL_PORT_F_ENDPOINT | SL_PORT_F_LAN)) {
		char parent[IF_NAMESIZE];

		jadd_str(o, "kind", p->flags & SL_PORT_F_ENDPOINT ? "macvlan endpoint" :
			 "macvlan lan");
		jadd_str(o, "parent", if_indextoname(p->parent, parent) ? parent : "?");
	}
	if (p->hook == SL_HOOK_XDP_OFFLOAD)
		jadd_int(o, "offload_prog", offload_prog_id(c, p->ifindex));
	if (p->flags & SL_PORT_F_VXLAN)
		vxlan_json(c, p, o);
	jadd_str(o, "mode", p->mode == SL_MODE_TRUNK ? "trunk" : "access");
	if (p->mode == SL_MODE_TRUNK) {
		format_vid_list((const uint64_t *)p->vids, vids, sizeof(vids));
		jadd_str(o, "vlans", vids);
		if (p->pvid)
			jadd_int(o, "native", p->pvid);
	} else {
		jadd_int(o, "vlan", p->pvid);
	}
	format_mac(p->mac, mac);
	jadd_str(o, "mac", mac);
	if (p->ip) {
		format_ipv4(p->ip, ip);
		jadd_str(o, "ip", ip);
	}
	addr4_port_json(c, o, p);
	addr6_port_json(c, o, p);
	jadd_str(o, "netns", port_ns_spec(c, p, spec));
	jadd_bool(o, "spoofchk", p->flags & SL_PORT_F_SPOOFCHK);
	if (p->flags & SL_PORT_F_GATEWAY)
		jadd_bool(o, "gateway", 1);
	if (p->flags & SL_PORT_F_CNI)
		jadd_bool(o, "cni", 1);
	return o;
}

struct show_q {
	const char *only;
	json_object *arr;
};

static int port_json_add(struct ctl *c, const struct sl_port *p, void *arg)
{
	struct show_q *q = arg;

	if (!q->only || !strcmp(p->name, q->only))
		json_object_array_add(q->arr, port_json(c, p));
	return 0;
}

static int port_show(struct ctl *c, int argc, char **argv)
{
	json_object *arr = json_object_new_array();
	struct sl_port p;
	const char *only = argc > 0 ? argv[0] : NULL;

	int q = instance_open_read(c);

	if (q < 0 || (q && only)) {
		json_object_put(arr);
		return q < 0 ? -1 : errf("port %s does not exist", only);
	}
	if (q) {
		output_print(arr);
		return 0;
	}
	if (only && port_get_by_name(c, only, &p)) {
		json_object_put(arr);
		return errf("port %s does not exist", only);
	}
	ports_for_each(c, port_json_add, &(struct show_q){ only, arr });
	output_print(arr);
	return 0;
}

int cmd_port(struct ctl *c, int argc, char **argv)
{
	if (argc < 1 || matches(argv[0], "show") || matches(argv[0], "list"))
		return port_show(c, argc > 0 ? argc - 1 : 0, argv + 1);
	if (matches(argv[0], "add"))
		return port_add(c, argc - 1, argv + 1);
	if (matches(argv[0], "set"))
		return port_set(c, argc - 1, argv + 1);
	if (matches(argv[0], "del") || matches(argv[0], "delete"))
		return port_del(c, argc - 1, argv + 1);
	return errf("port: unknown command \"%s\" (add, set, del, show)", argv[0]);
}
