// SPDX-License-Identifier: MIT
/* ADD, DEL and CHECK over the controller library: the switch (made on first use, with its
 * gateway), the container's port, its masquerade rule, and the spec's result. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <unistd.h>
#include <sys/stat.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "ctl_call.h"
#include "hook.h"
#include "netlink.h"
#include "parse.h"

void port_name_of(const struct cni_env *env, char name[16])
{
	uint32_t h = 2166136261u;	/* FNV-1a of "CONTAINERID/IFNAME" */

	for (const char *s = env->containerid; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	h = (h ^ '/') * 16777619u;
	for (const char *s = env->ifname; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	snprintf(name, 16, "sl%08x", h);
}

static char *cidr_str(uint32_t addr, int plen, char buf[24])
{
	char a[16];

	format_ipv4(addr, a);
	snprintf(buf, 24, "%s/%d", a, plen);
	return buf;
}

/* Another switch whose gateway subnet overlaps ADDR/PLEN: the host could not route both. */
static int subnet_overlap_check(struct ctl *c, const char *sw, uint32_t addr, int plen)
{
	char key[SL_NAME_LEN], prev[SL_NAME_LEN], a[24], b[24];
	struct sl_switch s;
	bool first = true;

	while (bpf_map_get_next_key(c->switches, first ? NULL : prev, key) == 0) {
		int m = plen < 32 ? plen : 32;

		memcpy(prev, key, sizeof(prev));
		first = false;
		if (bpf_map_lookup_elem(c->switches, key, &s) || !s.gw_ifindex || !strcmp(key, sw))
			continue;
		if (s.gw_plen < m)
			m = s.gw_plen;
		if (!((addr ^ s.gw_addr) & mask_of(m)))
			return cni_fail(CNI_ERR_CONFIG, "subnet %s overlaps switch %s's %s",
					cidr_str(addr & mask_of(plen), plen, a), key,
					cidr_str(s.gw_addr, s.gw_plen, b));
	}
	return 0;
}

/* isGateway on a VLAN other than 1: the gateway is that VLAN's (`vlan add`), made when the
 * VLAN has none; *MADE says so. */
static int vlan_gateway_ensure(const struct cni_conf *cf, const struct ipam_result *res,
			       bool *made)
{
	char vid[12], gw[24];

	*made = false;
	snprintf(vid, sizeof(vid), "%d", cf->vlan);
	if (ctl_call(cf->instance, cmd_vlan, "add", cf->sw, vid, "addr",
		     cidr_str(res->gw, res->plen, gw), NULL) == 0) {
		*made = true;
		return 0;
	}
	if (strstr(cni_err.details, "already has a gateway")) {
		cni_err.details[0] = '\0';
		return 0;
	}
	return cni_fail(CNI_ERR_PLUGIN, "cannot add the gateway of VLAN %d to switch %s",
			cf->vlan, cf->sw);
}

/* The configured switch: made (with the gateway IPAM names, for isGateway) when absent;
 * *MADE says so, for the undo. */
static int switch_ensure(const struct cni_conf *cf, const struct ipam_result *res, bool *made)
{
	bool gw1 = cf->is_gateway && cf->vlan <= 1;	/* the switch's own gateway (VLAN 1) */
	struct sl_switch sw;
	struct ctl c;
	char gw[24], a[24];
	bool exists = false;

	*made = false;
	if (cf->is_gateway && !res->gw)
		return cni_fail(CNI_ERR_CONFIG, "isGateway: IPAM %s gave no gateway", cf->ipam_type);
	if (ctl_open(&c, cf->instance) == 0) {
		exists = switch_get(&c, cf->sw, &sw) == 0;
		if (cf->is_gateway && !exists &&
		    subnet_overlap_check(&c, cf->sw, res->gw, res->plen)) {
			instance_close(&c);
			return -1;
		}
		instance_close(&c);
	}
	if (exists) {
		if (gw1 && (!sw.gw_ifindex || sw.gw_addr != res->gw || sw.gw_plen != res->plen))
			return cni_fail(CNI_ERR_CONFIG, "switch %s exists with gateway %s, not the "
					"network's %s", cf->sw, sw.gw_ifindex ?
					cidr_str(sw.gw_addr, sw.gw_plen, a) : "none",
					cidr_str(res->gw, res->plen, gw));
		return 0;
	}
	cidr_str(res->gw, res->plen, gw);
	if (ctl_call(cf->instance, cmd_switch, "add", cf->sw, gw1 ? "addr" : NULL, gw, NULL)) {
		/* Another ADD made it meanwhile (containers started together): use it. */
		if (strstr(cni_err.details, "already exists") && ctl_open(&c, cf->instance) == 0) {
			exists = switch_get(&c, cf->sw, &sw) == 0;
			instance_close(&c);
			if (exists && (!gw1 || (sw.gw_addr == res->gw && sw.gw_plen == res->plen))) {
				cni_err.details[0] = '\0';
				return 0;
			}
		}
		return cni_fail(CNI_ERR_PLUGIN, "cannot create switch %s", cf->sw);
	}
	*made = true;
	return 0;
}

static void switch_undo(const struct cni_conf *cf)
{
	ctl_call(cf->instance, cmd_switch, "del", cf->sw, NULL);
}

/* The port keeps its netns in SL_NETNS_LEN bytes: runtimes' /run/netns/<uuid> paths do not
 * fit, their names under /var/run/netns do (netns_open resolves a name there). */
static const char *netns_short(const char *path)
{
	const char *base = strrchr(path, '/');
	char named[PATH_MAX];
	struct stat a, b;

	if (strlen(path) < SL_NETNS_LEN || !base || !base[1] || strlen(base + 1) >= SL_NETNS_LEN)
		return path;
	netns_path(base + 1, named);
	if (stat(path, &a) || stat(named, &b) || a.st_dev != b.st_dev || a.st_ino != b.st_ino)
		return path;
	return base + 1;
}

static int port_create(const struct cni_env *env, const struct cni_conf *cf,
		       const struct ipam_result *res, const char *name)
{
	char *argv[32], addr[24], vlan[8], native[8];
	int n = 0;

	argv[n++] = "add";
	argv[n++] = (char *)cf->sw;
	argv[n++] = (char *)name;
	argv[n++] = "netns";
	argv[n++] = (char *)netns_short(env->netns);
	argv[n++] = "ifname";
	argv[n++] = (char *)env->ifname;
	argv[n++] = "addr";
	argv[n++] = cidr_str(res->addr, res->plen, addr);
	if (cf->trunk) {
		argv[n++] = "trunk";
		argv[n++] = (char *)cf->trunk;
		if (cf->vlan) {
			snprintf(native, sizeof(native), "%d", cf->vlan);
			argv[n++] = "native";
			argv[n++] = native;
		}
	} else if (cf->vlan) {
		snprintf(vlan, sizeof(vlan), "%d", cf->vlan);
		argv[n++] = "vlan";
		argv[n++] = vlan;
	}
	if (cf->xdp) {
		argv[n++] = "xdp";
		argv[n++] = (char *)cf->xdp;
	}
	if (cf->spoofchk >= 0) {
		argv[n++] = "spoofchk";
		argv[n++] = cf->spoofchk ? "on" : "off";
	}
	argv[n] = NULL;
	if (ctl_callv(cf->instance, cmd_port, n, argv))
		return cni_fail(CNI_ERR_PLUGIN, "cannot add port %s for container %s", name,
				env->containerid);
	return 0;
}

/* Mark the port CNI-managed: `sluice save` leaves it out (the runtime re-adds it). */
static int port_mark(const struct cni_conf *cf, const char *name, struct sl_port *p)
{
	struct ctl c;
	int ret = -1;

	if (ctl_open(&c, cf->instance))
		return cni_fail(CNI_ERR_PLUGIN, "instance %s vanished", cf->instance);
	if (port_get_by_name(&c, name, p) == 0) {
		p->flags |= SL_PORT_F_CNI;
		ret = bpf_map_update_elem(c.ports, &p->ifindex, p, BPF_EXIST);
	}
	instance_close(&c);
	return ret ? cni_fail(CNI_ERR_PLUGIN, "port %s: cannot mark it CNI-managed", name) : 0;
}

/* In the container: MTU and IPAM's routes (a route without gw goes via IPAM's gateway). */
static int container_setup(const struct cni_env *env, const struct cni_conf *cf,
			   const struct ipam_result *res)
{
	int host = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC), ns, ret = 0;

	capture_begin();
	ns = netns_open(env->netns);
	capture_end(true);
	if (host < 0 || ns < 0 || setns(ns, CLONE_NEWNET)) {
		if (ns >= 0)
			close(ns);
		if (host >= 0)
			close(host);
		return cni_fail(CNI_ERR_PLUGIN, "cannot enter %s", env->netns);
	}
	if (cf->mtu)
		ret = link_set_mtu(env->ifname, cf->mtu);
	for (int i = 0; !ret && i < res->nroutes; i++) {
		struct cni_route r = res->routes[i];

		if (!r.gw)
			r.gw = res->gw;
		ret = route_replace(env->ifname, &r);
	}
	if (setns(host, CLONE_NEWNET))
		ret = cni_fail(CNI_ERR_PLUGIN, "cannot return to the host netns");
	close(ns);
	close(host);
	return ret;
}

/* ipMasq: one rule per subnet, named after it, shared by the network's containers and
 * left in place by DEL (as the bridge plugin leaves its bridge). */
static int masq_ensure(const struct cni_conf *cf, const struct ipam_result *res)
{
	char name[16], src[24], dev[16];
	uint32_t net = res->addr & mask_of(res->plen);

	if (cf->uplink)
		snprintf(dev, sizeof(dev), "%s", cf->uplink);
	else if (default_route_dev(dev))
		return cni_fail(CNI_ERR_CONFIG, "ipMasq: the host has no default route; name the "
				"device with \"uplink\"");
	snprintf(name, sizeof(name), "cni-%08x-%d", ntohl(net), res->plen);
	if (ctl_call(cf->instance, cmd_nat, "add", name, "src", cidr_str(net, res->plen, src),
		     "out", dev, NULL) == 0)
		return 0;
	if (strstr(cni_err.details, "already exists")) {
		cni_err.details[0] = '\0';
		return 0;
	}
	return cni_fail(CNI_ERR_PLUGIN, "ipMasq: cannot masquerade %s out of %s", src, dev);
}

static json_object *jstr(const char *s)
{
	return json_object_new_string(s);
}

static void result_print(const struct cni_env *env, const struct cni_conf *cf,
			 const struct ipam_result *res, const struct sl_port *p,
			 const uint8_t cmac[6])
{
	json_object *o = json_object_new_object(), *ifs = json_object_new_array(), *i, *ips,
		    *ip, *routes = json_object_new_array(), *dns;
	char mac[18], buf[24];

	json_object_object_add(o, "cniVersion", jstr(cf->version));
	i = json_object_new_object();
	json_object_object_add(i, "name", jstr(p->name));
	format_mac(p->mac, mac);	/* the port's MAC is the container's: ask the host leg */
	{
		struct nl_link_info li;

		capture_begin();
		if (nl_link_get(p->ifindex, &li) == 0)
			format_mac(li.mac, mac);
		capture_end(false);
	}
	json_object_object_add(i, "mac", jstr(mac));
	json_object_array_add(ifs, i);
	i = json_object_new_object();
	json_object_object_add(i, "name", jstr(env->ifname));
	format_mac(cmac, mac);
	json_object_object_add(i, "mac", jstr(mac));
	json_object_object_add(i, "sandbox", jstr(env->netns));
	json_object_array_add(ifs, i);
	json_object_object_add(o, "interfaces", ifs);
	ips = json_object_new_array();
	ip = json_object_new_object();
	if (version_legacy(cf->version))
		json_object_object_add(ip, "version", jstr("4"));
	json_object_object_add(ip, "address", jstr(cidr_str(res->addr, res->plen, buf)));
	if (res->gw) {
		format_ipv4(res->gw, buf);
		json_object_object_add(ip, "gateway", jstr(buf));
	}
	json_object_object_add(ip, "interface", json_object_new_int(1));
	json_object_array_add(ips, ip);
	json_object_object_add(o, "ips", ips);
	for (int k = 0; k < res->nroutes; k++) {
		json_object *r = json_object_new_object();

		json_object_object_add(r, "dst", jstr(cidr_str(res->routes[k].dst,
							       res->routes[k].plen, buf)));
		if (res->routes[k].gw) {
			format_ipv4(res->routes[k].gw, buf);
			json_object_object_add(r, "gw", jstr(buf));
		}
		json_object_array_add(routes, r);
	}
	json_object_object_add(o, "routes", routes);
	if (json_object_object_get_ex(res->doc, "dns", &dns))
		json_object_object_add(o, "dns", json_object_get(dns));
	printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

int cni_add(const struct cni_env *env, const struct cni_conf *cf)
{
	struct ipam_result res = {};
	struct sl_port p;
	char name[16];
	uint8_t cmac[6];
	bool made_switch = false, made_vlan = false;

	port_name_of(env, name);
	if (access(env->netns, F_OK))
		return cni_fail(CNI_ERR_UNKNOWN_CONTAINER, "CNI_NETNS %s: %s", env->netns,
				strerror(errno));
	if (ipam_exec(env, cf, "ADD", &res))
		goto fail_ipam;
	if (switch_ensure(cf, &res, &made_switch))
		goto fail_ipam_del;
	if (cf->is_gateway && cf->vlan > 1 && vlan_gateway_ensure(cf, &res, &made_vlan))
		goto fail_switch;
	if (port_create(env, cf, &res, name))
		goto fail_switch;
	if (port_mark(cf, name, &p) || container_setup(env, cf, &res) ||
	    (cf->mtu && link_set_mtu(name, cf->mtu)) ||
	    (cf->ip_masq && masq_ensure(cf, &res)) || portmap_add(cf, res.addr, res.plen))
		goto fail_port;
	memcpy(cmac, p.mac, 6);
	result_print(env, cf, &res, &p, cmac);
	ipam_result_free(&res);
	return 0;
fail_port:
	ctl_call(cf->instance, cmd_port, "del", name, NULL);
fail_switch:
	if (made_switch) {
		switch_undo(cf);	/* its VLAN gateways go with it */
	} else if (made_vlan) {
		char vid[12];

		snprintf(vid, sizeof(vid), "%d", cf->vlan);
		ctl_call(cf->instance, cmd_vlan, "del", cf->sw, vid, NULL);
	}
fail_ipam_del:
	ipam_exec(env, cf, "DEL", NULL);
fail_ipam:
	ipam_result_free(&res);
	return -1;
}

/* Best effort and idempotent: what is gone already is no error. */
int cni_del(const struct cni_env *env, const struct cni_conf *cf)
{
	struct sl_port p;
	struct ctl c;
	char name[16];
	bool has_port = false;

	port_name_of(env, name);
	if (ctl_open(&c, cf->instance) == 0) {
		has_port = port_get_by_name(&c, name, &p) == 0;
		instance_close(&c);
	}
	if (has_port && portmap_del(cf, p.ip))
		return -1;
	if (has_port && ctl_call(cf->instance, cmd_port, "del", name, NULL))
		return cni_fail(CNI_ERR_TRY_LATER, "cannot remove port %s", name);
	if (cf->ipam && ipam_exec(env, cf, "DEL", NULL))
		return -1;
	return 0;
}

static int hook_attached(struct ctl *c, int ifindex)
{
	return hook_linked(c, HOOK_PORT, ifindex, ifindex) || hook_filtered(HOOK_PORT, ifindex);
}

/* CHECK: the port is on its switch with its hook, the container has the address. */
int cni_check(const struct cni_env *env, const struct cni_conf *cf)
{
	struct ipam_result prev = {};
	struct nl_link_info li;
	struct sl_switch sw;
	struct sl_port p;
	struct ctl c;
	char name[16], a[24];
	int ret = 0, ifx;

	port_name_of(env, name);
	prev.doc = json_object_get(cf->prev_result);
	if (ipam_result_parse(prev.doc, "prevResult", &prev)) {
		ipam_result_free(&prev);
		return -1;
	}
	if (ctl_open(&c, cf->instance)) {
		ipam_result_free(&prev);
		return cni_fail(CNI_ERR_PLUGIN, "instance %s does not exist", cf->instance);
	}
	ifx = nl_link_index(name);
	if (switch_get(&c, cf->sw, &sw))
		ret = cni_fail(CNI_ERR_PLUGIN, "switch %s does not exist", cf->sw);
	else if (port_get_by_name(&c, name, &p))
		ret = cni_fail(CNI_ERR_PLUGIN, "port %s of container %s does not exist", name,
			       env->containerid);
	else if (p.switch_id != sw.id)
		ret = cni_fail(CNI_ERR_PLUGIN, "port %s is not on switch %s", name, cf->sw);
	else if (ifx < 0 || (uint32_t)ifx != p.ifindex)
		ret = cni_fail(CNI_ERR_PLUGIN, "port %s has no device in the host netns", name);
	else if (!hook_attached(&c, ifx))
		ret = cni_fail(CNI_ERR_PLUGIN, "port %s: its tc hook is not attached", name);
	else if (p.ip != prev.addr)
		ret = cni_fail(CNI_ERR_PLUGIN, "port %s: the datapath checks %s, not prevResult's "
			       "address", name, p.ip ? cidr_str(p.ip, 32, a) : "no address");
	instance_close(&c);
	if (!ret) {
		int host = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
		int ns = open(env->netns, O_RDONLY | O_CLOEXEC);
		uint32_t addr = 0;
		int plen = 0;

		if (host < 0 || ns < 0 || setns(ns, CLONE_NEWNET))
			ret = cni_fail(CNI_ERR_UNKNOWN_CONTAINER, "cannot enter %s", env->netns);
		else {
			ifx = nl_link_index(env->ifname);
			if (ifx < 0 || nl_link_get(ifx, &li) || !li.up)
				ret = cni_fail(CNI_ERR_PLUGIN, "%s is missing or down in %s",
					       env->ifname, env->netns);
			else if (nl_addr_first(ifx, &addr, &plen) || addr != prev.addr ||
				 plen != prev.plen)
				ret = cni_fail(CNI_ERR_PLUGIN, "%s in %s lacks %s", env->ifname,
					       env->netns, cidr_str(prev.addr, prev.plen, a));
			setns(host, CLONE_NEWNET);
		}
		if (ns >= 0)
			close(ns);
		if (host >= 0)
			close(host);
	}
	ipam_result_free(&prev);
	if (!ret && ipam_exec(env, cf, "CHECK", NULL))
		return -1;
	return ret;
}
