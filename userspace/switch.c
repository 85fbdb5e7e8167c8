// SPDX-License-Identifier: MIT
/* `sluice switch`: logical switches, their ids, and the host's gateway legs
 * (a veth pair: NAME carries the address, NAME-gw is the switch port; vlan.c adds one per VLAN). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <bpf/bpf.h>
#include "build_info.h"
#include "ctl.h"
#include "port_maps.h"
#include "addr6.h"
#include "netlink.h"
#include "vxlan.h"
#include "output.h"
#include "parse.h"

#define SWITCH_NAME_MAX 12	/* leaves room for the "-gw" suffix in IFNAMSIZ */

int switch_get(struct ctl *c, const char *name, struct sl_switch *sw)
{
	char key[SL_NAME_LEN] = {};

	snprintf(key, sizeof(key), "%s", name);
	if (bpf_map_lookup_elem(c->switches, key, sw))
		return -ENOENT;
	return 0;
}

const char *switch_name_of(struct ctl *c, uint32_t id, char buf[SL_NAME_LEN])
{
	char key[SL_NAME_LEN], *prev = NULL;
	struct sl_switch sw;

	while (bpf_map_get_next_key(c->switches, prev, key) == 0) {
		if (!bpf_map_lookup_elem(c->switches, key, &sw) && sw.id == id) {
			memcpy(buf, key, SL_NAME_LEN);
			return buf;
		}
		memcpy(buf, key, SL_NAME_LEN);
		prev = buf;
	}
	snprintf(buf, SL_NAME_LEN, "#%u", id);
	return buf;
}

static uint32_t switch_free_id(struct ctl *c)
{
	char key[SL_NAME_LEN], prev[SL_NAME_LEN];
	struct sl_switch sw;
	uint32_t max = 0;
	bool first = true;

	while (bpf_map_get_next_key(c->switches, first ? NULL : prev, key) == 0) {
		if (!bpf_map_lookup_elem(c->switches, key, &sw) && sw.id > max)
			max = sw.id;
		memcpy(prev, key, sizeof(prev));
		first = false;
	}
	return max + 1;
}

static int switch_count(struct ctl *c)
{
	char key[SL_NAME_LEN], prev[SL_NAME_LEN];
	int n = 0;

	while (bpf_map_get_next_key(c->switches, n ? prev : NULL, key) == 0) {
		memcpy(prev, key, sizeof(prev));
		n++;
	}
	return n;
}

/* A host leg on the switch: veth HOST (address ADDR/PLEN, network order) <->
 * HOST-gw, an access port of VID. The host routes for that VLAN through it, as
 * through a bridge's address. Returns HOST's ifindex; undoes everything on failure. */
int gateway_add(struct ctl *c, const char *host, uint32_t switch_id, uint16_t vid,
		uint32_t addr, int plen)
{
	char port_name[SL_NAME_LEN];
	struct sl_port p = {};
	struct nl_link_info li;
	int hostx, ifx, mtu = vxlan_switch_mtu(c, switch_id);	/* an overlay switch's MTU */

	snprintf(port_name, sizeof(port_name), "%s-gw", host);
	hostx = nl_veth_add(host, port_name, -1);
	if (hostx < 0)
		return -1;
	ifx = nl_link_index(port_name);
	if (ifx < 0 || (mtu && (nl_link_set_mtu(hostx, mtu) || nl_link_set_mtu(ifx, mtu))) ||
	    nl_link_get(hostx, &li) || nl_addr_add(hostx, addr, plen) ||
	    nl_link_set_up(hostx, true) || nl_link_set_up(ifx, true))
		goto fail;
	p.ifindex = ifx;
	p.switch_id = switch_id;
	p.pvid = vid;
	p.mode = SL_MODE_ACCESS;
	p.hook = SL_HOOK_TC;
	p.flags = SL_PORT_F_GATEWAY | SL_PORT_F_OWNED;
	memcpy(p.mac, li.mac, 6);
	snprintf(p.name, sizeof(p.name), "%s", port_name);
	if (port_install(c, &p))
		goto fail;
	if (port_attach(c, ifx, port_name, SL_HOOK_TC)) {
		port_uninstall(c, &p);
		goto fail;
	}
	return hostx;
fail:
	nl_link_del(hostx);
	return -1;
}

/* `switch add NAME`'s options after NAME: the gateway's IPv4 CIDR into SW (HAS_ADDR), its
 * IPv6 ones into A6. 0, or -1 printed. */
static int switch_add_opts(int argc, char **argv, struct sl_switch *sw, bool *has_addr,
			   struct addr6_req *a6)
{
	for (int i = 1; i < argc; i++) {
		int n6 = addr6_opt(a6, ADDR6_GATEWAY, argv[i], i + 1 < argc ? argv[i + 1] : NULL);

		if (n6 < 0)
			return -1;
		if (n6) {	/* an IPv6 gateway address */
			i++;
			continue;
		}
		if (!strcmp(argv[i], "addr") && i + 1 < argc) {
			int plen;

			if (parse_cidr(argv[++i], &sw->gw_addr, &plen) || plen < 1 || plen > 30)
				return errf("addr \"%s\" is not an IPv4 CIDR such as 10.0.0.1/24",
					   argv[i]);
			sw->gw_plen = plen;
			*has_addr = true;
		} else {
			return errf("switch add: unexpected \"%s\"", argv[i]);
		}
	}
	return 0;
}

/* Undo gateway_add: the gateway port GWPORT goes, with its veth pair. */
static void gateway_port_remove(struct ctl *c, const char *gwport)
{
	struct sl_port p;

	if (!port_get_by_name(c, gwport, &p))
		port_remove(c, &p, true);
}

/* SW into sl_switches under KEY (a new entry): 0, or -1 printed. */
static int switch_write(struct ctl *c, const char *key, const struct sl_switch *sw,
			const char *name)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	if (!bpf_map_update_elem(c->switches, key, sw, BPF_NOEXIST))
		return 0;
	if (errno == E2BIG && !bpf_obj_get_info_by_fd(c->switches, &info, &len))
		return errf("switch %s: an instance holds at most %u switches", name,
			   info.max_entries);
	return errf("switch %s: write map sl_switches: %s", name, strerror(errno));
}

/* parse → gateway leg → sl_switches → flood lists and NAT exemptions; the undo runs
 * backwards, and removes the instance a failed first switch made. */
static int switch_add(struct ctl *c, int argc, char **argv)
{
	char key[SL_NAME_LEN] = {}, gwport[SL_NAME_LEN];
	struct sl_switch sw = {};
	struct addr6_req a6 = ADDR6_REQ_INIT;
	bool has_addr = false;
	const char *name;

	if (argc < 1)
		return errf("usage: sluice switch add NAME [addr CIDR [addr CIDR6]...]");
	name = argv[0];
	if (!name_valid(name, SWITCH_NAME_MAX))
		return errf("switch name \"%s\" is invalid (1-%d of A-Z a-z 0-9 _ . -)", name,
			   SWITCH_NAME_MAX);
	if (switch_add_opts(argc, argv, &sw, &has_addr, &a6))
		return -1;
	if (a6.n && !has_addr)
		return errf("switch %s: an IPv6 gateway address comes with an IPv4 one "
			   "(addr 10.0.0.1/24 addr fd00::1/64)", name);
	snprintf(gwport, sizeof(gwport), "%s-gw", name);
	if (has_addr && (nl_link_index(name) > 0 || nl_link_index(gwport) > 0))
		return errf("switch %s: device %s or %s already exists in the host netns", name,
			   name, gwport);
	if (instance_open(c, true))
		return -1;
	snprintf(key, sizeof(key), "%s", name);
	if (!switch_get(c, name, &(struct sl_switch){}))
		return errf("switch %s already exists", name);
	if (addr6_gateway_check(c, &a6))
		goto fail;
	sw.id = switch_free_id(c);
	if (has_addr) {
		int host = gateway_add(c, name, sw.id, SL_VLAN_DEFAULT, sw.gw_addr, sw.gw_plen);

		if (host < 0)
			goto fail;
		sw.gw_ifindex = host;
		if (addr6_gateway_add(c, name, &a6))
			goto remove_gateway;
	}
	if (switch_write(c, key, &sw, name))
		goto remove_gateway;
	if (has_addr && flood_rebuild(c, sw.id))
		return -1;
	if (has_addr && nat_local_sync(c)) {
		gateway_port_remove(c, gwport);
		bpf_map_delete_elem(c->switches, key);
		nat_local_sync(c);
		goto fail;
	}
	return 0;
remove_gateway:
	if (sw.gw_ifindex)
		gateway_port_remove(c, gwport);
fail:
	if (switch_count(c) == 0)
		instance_remove(c);
	return -1;
}

static int port_of_switch_remove(struct ctl *c, const struct sl_port *p, void *id)
{
	struct sl_port gone = *p;

	if (p->switch_id != *(uint32_t *)id)
		return 0;
	return port_remove(c, &gone, p->flags & SL_PORT_F_OWNED) ? -1 : 0;
}

struct sw_count {
	uint32_t id;
	int n;
};

static int switch_del(struct ctl *c, int argc, char **argv)
{
	char key[SL_NAME_LEN] = {};
	struct sl_switch sw;

	if (argc != 1)
		return errf("usage: sluice switch del NAME");
	if (instance_open(c, false))
		return -1;
	if (switch_get(c, argv[0], &sw))
		return errf("switch %s does not exist", argv[0]);
	/* Its ports first (the walk goes on from the table's start after each removal). */
	if (ports_for_each(c, port_of_switch_remove, &sw.id))
		return -1;
	snprintf(key, sizeof(key), "%s", argv[0]);
	bpf_map_delete_elem(c->switches, key);
	if (nat_local_sync(c))
		return -1;
	if (switch_count(c) == 0)
		return instance_remove(c);
	return 0;
}

static int port_count(struct ctl *c, const struct sl_port *p, void *arg)
{
	struct sw_count *q = arg;

	(void)c;
	q->n += p->switch_id == q->id && !(p->flags & SL_PORT_F_GATEWAY);
	return 0;
}

static int switch_show(struct ctl *c, int argc, char **argv)
{
	char key[SL_NAME_LEN], prev[SL_NAME_LEN], build[BUILD_ID_LEN];
	json_object *arr;
	struct sl_switch sw;
	bool first = true;
	int q = instance_open_read(c);

	if (q < 0 || (q && argc > 0))
		return q < 0 ? -1 : errf("switch %s does not exist", argv[0]);
	arr = json_object_new_array();
	if (q) {
		output_print(arr);
		return 0;
	}
	if (build_loaded(c, build))
		snprintf(build, sizeof(build), "unknown");	/* loaded before builds were recorded */
	while (bpf_map_get_next_key(c->switches, first ? NULL : prev, key) == 0) {
		struct sw_count nports = {};
		json_object *o;

		memcpy(prev, key, sizeof(prev));
		first = false;
		if (bpf_map_lookup_elem(c->switches, key, &sw) ||
		    (argc > 0 && strcmp(argv[0], key)))
			continue;
		nports.id = sw.id;
		ports_for_each(c, port_count, &nports);
		o = json_object_new_object();
		jadd_str(o, "name", key);
		jadd_int(o, "id", sw.id);
		jadd_int(o, "ports", nports.n);
		if (sw.gw_ifindex) {
			char a[16], cidr[24];

			format_ipv4(sw.gw_addr, a);
			snprintf(cidr, sizeof(cidr), "%s/%u", a, sw.gw_plen);
			jadd_str(o, "gateway", key);
			jadd_str(o, "addr", cidr);
			addr6_switch_json(c, o, sw.id);
		}
		jadd_str(o, "build", build);
		json_object_array_add(arr, o);
	}
	if (argc > 0 && json_object_array_length(arr) == 0) {
		json_object_put(arr);
		return errf("switch %s does not exist", argv[0]);
	}
	output_print(arr);
	return 0;
}

int cmd_switch(struct ctl *c, int argc, char **argv)
{
	if (argc < 1 || matches(argv[0], "show"))
		return switch_show(c, argc > 0 ? argc - 1 : 0, argv + 1);
	if (matches(argv[0], "add"))
		return switch_add(c, argc - 1, argv + 1);
	if (matches(argv[0], "del") || matches(argv[0], "delete"))
		return switch_del(c, argc - 1, argv + 1);
	return errf("switch: unknown command \"%s\" (add, del, show)", argv[0]);
}
