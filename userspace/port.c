// SPDX-License-Identifier: MIT
/* `sluice port`: the command line (add, set, del, show). Kinds of port are port_kind.h's,
 * the port table port_table.c's, flood lists flood.c's, option parsing port_opts.c's. */
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
	    !((r->addr ^ sw.gw_addr) & mask_of(sw.gw_plen))) {
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

/* `port set P xdp MODE|off` where P's hook is another: P (a copy, written to sl_ports by
 * the caller) gets HOOK. 0, or -1 printed. */
static int port_set_hook(struct ctl *c, struct sl_port *p, int hook)
{
	uint32_t ifx = p->ifindex;

	if (hook != SL_HOOK_TC && p->hook != SL_HOOK_TC)
		return errf("port %s: set xdp off before changing the XDP mode", p->name);
	if (hook != SL_HOOK_TC && !(p->flags & SL_PORT_F_PEER))
		fprintf(stderr, "sluice: note: port %s is not a container veth: frames "
			"for it still cross tc\n", p->name);
	if (hook == SL_HOOK_TC) {
		/* No XDP redirects towards it before its hook goes. */
		p->flags &= ~SL_PORT_F_XDP_TX;
		p->hook = SL_HOOK_TC;
		if (port_put(c, ifx, p, BPF_EXIST))
			return errf("port %s: map sl_ports: %s", p->name, strerror(errno));
		bpf_map_delete_elem(c->tx, &ifx);
		port_detach_xdp(c, ifx);
		if ((p->flags & SL_PORT_F_PEER) && peer_set_xdp(c, p, false))
			return -1;	/* the port is on tc; its peer keeps XDP's settings */
		return 0;
	}
	if (port_xdp_attach(c, p, hook))
		return -1;
	if ((p->flags & SL_PORT_F_PEER) && peer_set_xdp(c, p, true)) {
		port_detach_xdp(c, ifx);	/* nothing applied, nothing shown */
		return -1;
	}
	if (p->flags & SL_PORT_F_PEER)
		p->flags |= SL_PORT_F_XDP_TX;
	if ((p->flags & SL_PORT_F_XDP_TX) && bpf_map_update_elem(c->tx, &ifx, &ifx, BPF_ANY))
		return errf("port %s: map sl_tx: %s", p->name, strerror(errno));
	return 0;
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
	if (r.has_hook && r.hook != p.hook && port_set_hook(c, &p, r.hook))
		return -1;
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
