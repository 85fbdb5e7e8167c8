// SPDX-License-Identifier: MIT
/* The options of `port add` and `port set` into a struct port_req (port.h): each option's
 * syntax and message here, what the port can take checked later by port.c. */
#include <stdio.h>
#include <string.h>
#include <net/if.h>
#include "ctl.h"
#include "parse.h"
#include "port.h"

#define PORT_ADD_OPTS "netns, dev, macvlan, parent, ifname, addr, gw, mac, xdp, vlan, trunk, " \
		      "native, spoofchk"
#define PORT_SET_OPTS "addr, xdp, vlan, trunk, native, spoofchk"

/* An option only `port add` takes (how the device is made or found): 1 taken, 0 not one of
 * them, -1 printed. */
static int opt_add_only(struct port_req *r, const char *k, const char *v)
{
	if (!strcmp(k, "netns")) {
		r->netns = v;
	} else if (!strcmp(k, "parent")) {
		if (!name_valid(v, IF_NAMESIZE - 1))
			return errf("parent \"%s\" is not a valid interface name", v);
		r->parent = v;
	} else if (!strcmp(k, "ifname")) {
		if (!name_valid(v, IF_NAMESIZE - 1))
			return errf("ifname \"%s\" is not a valid interface name", v);
		r->ifname = v;
	} else if (!strcmp(k, "gw")) {
		if (parse_ipv4(v, &r->gw))
			return errf("gw \"%s\" is not an IPv4 address", v);
		r->has_gw = true;
	} else if (!strcmp(k, "mac")) {
		if (parse_mac(v, r->mac))
			return errf("mac \"%s\" is not a MAC address such as 02:00:00:00:00:01", v);
		if (r->mac[0] & 1)
			return errf("mac %s is a multicast address", v);
		r->has_mac = true;
	} else {
		return 0;
	}
	return 1;
}

/* "addr CIDR": the first is the port's .ip, the others go to a4. */
static int opt_addr(struct port_req *r, const char *v)
{
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
	return 0;
}

/* "xdp MODE"; ADD: `port add`, which has no "off". */
static int opt_xdp(struct port_req *r, const char *v, bool add)
{
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
	return 0;
}

/* One option K V (V given) of add (ADD) or set; "native" is kept in *NATIVE for the end. */
static int port_opt(struct port_req *r, const char *k, const char *v, bool add,
		    const char **native)
{
	char why[80];
	int n = add ? opt_add_only(r, k, v) : 0;

	if (n)
		return n < 0 ? -1 : 0;
	if (!strcmp(k, "addr"))
		return opt_addr(r, v);
	if (!strcmp(k, "xdp"))
		return opt_xdp(r, v, add);
	if (!strcmp(k, "vlan")) {
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
		if (*native)
			return errf("native %s: given twice", v);
		*native = v;
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
	return 0;
}

/* "native VID", after all options: "native" may come before "trunk". */
static int native_check(struct port_req *r, const char *native)
{
	char list[1024];

	if (!r->has_vlan || r->mode != SL_MODE_TRUNK)
		return errf("native %s: only a trunk has a native VLAN (give it with \"trunk VIDS\")",
			   native);
	if (parse_vid(native, &r->pvid))
		return errf("native \"%s\" is not a VLAN id (1-4094)", native);
	if (!(r->vids[r->pvid / 64] >> (r->pvid % 64) & 1)) {
		format_vid_list(r->vids, list, sizeof(list));
		return errf("native VLAN %u is not in the trunk's list %s", r->pvid, list);
	}
	return 0;
}

int parse_port_opts(struct port_req *r, int argc, char **argv, bool add)
{
	const char *mode_k = NULL, *mode_v = NULL, *native = NULL;

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
		if (port_opt(r, k, v, add, &native))
			return -1;
	}
	return native ? native_check(r, native) : 0;
}
