// SPDX-License-Identifier: MIT
/* The NAT's fail-closed guard: its program on every gateway's host leg, and the map of
 * uplinks that carry the NAT's hooks (the kernel forgets a device that goes). */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "ctl.h"
#include "nat_ctl.h"
#include "hook.h"
#include "sluice_nat_fast.h"
#include "netlink.h"
#include "port.h"


static int uplinks_open(struct ctl *c)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", c->root, NAT_UPLINKS_MAP);
	return bpf_obj_get(path);
}

int nat_uplink_mark(struct ctl *c, int ifindex, bool on)
{
	__u32 k = ifindex;
	int fd = uplinks_open(c), ret = 0;

	if (fd < 0)
		return errf("map %s: %s", NAT_UPLINKS_MAP, strerror(errno));
	if (on && bpf_map_update_elem(fd, &k, &k, BPF_ANY))
		ret = errf("write map %s: %s", NAT_UPLINKS_MAP, strerror(errno));
	if (!on)
		bpf_map_delete_elem(fd, &k);
	close(fd);
	return ret;
}

bool nat_uplink_marked(struct ctl *c, int ifindex)
{
	__u32 k = ifindex, v;
	int fd = uplinks_open(c);
	bool ret = fd >= 0 && bpf_map_lookup_elem(fd, &k, &v) == 0;

	if (fd >= 0)
		close(fd);
	return ret;
}


/* A pinned link still attached to IFINDEX (a deleted device leaves its link detached). */
static bool guard_linked(struct ctl *c, int ifindex)
{
	char path[PATH_MAX];

	if (hook_linked(c, HOOK_NAT_GUARD, ifindex, ifindex))
		return true;
	hook_link_path(c, path, HOOK_NAT_GUARD, ifindex);
	unlink(path);	/* its device went: the ifindex may come back as another one */
	return false;
}

static int guard_attach(struct ctl *c, int ifindex)
{
	char path[PATH_MAX], what[32];
	int prog, ret;

	if (guard_linked(c, ifindex))
		return 0;
	snprintf(path, sizeof(path), "%s/%s", c->root, SL_PIN_PROG_NAT_GUARD);
	prog = bpf_obj_get(path);
	if (prog < 0)	/* NAT loaded by a build before the guard: none until it is re-made */
		return errno == ENOENT ? 0 : errf("program %s: %s", path, strerror(errno));
	/* Before tcx, a clsact filter replaced in place when there is one. */
	snprintf(what, sizeof(what), "gateway ifindex %d", ifindex);
	ret = hook_attach(c, HOOK_NAT_GUARD, ifindex, ifindex, prog, what);
	close(prog);
	return ret;
}

static void guard_links_unpin(struct ctl *c, bool stale_only);

static int guard_gateway(struct ctl *c, const struct sl_port *p, void *failed)
{
	struct nl_link_info li;

	if ((p->flags & SL_PORT_F_GATEWAY) && !nl_link_get(p->ifindex, &li) &&
	    li.peer_ifindex > 0 && guard_attach(c, li.peer_ifindex))
		*(bool *)failed = true;
	return 0;
}

/* Every gateway port's host leg (the veth peer carrying the address) gets the guard; every
 * rule whose uplink device is still the one hooked is in the uplinks map. */
int nat_guard_sync(struct ctl *c)
{
	char path[PATH_MAX];
	bool failed = false;
	int ret = 0, fd;

	snprintf(path, sizeof(path), "%s/%s", c->root, nat_map_names[NAT_RULES]);
	fd = bpf_obj_get(path);
	if (fd < 0)	/* no NAT */
		return errno == ENOENT ? 0 : errf("map %s: %s", path, strerror(errno));
	for (__u32 s = 0; s < SL_NAT_RULES_MAX; s++) {
		struct sl_nat_rule r;

		if (!bpf_map_lookup_elem(fd, &s, &r) && r.used &&
		    nat_uplink_hooked(c, r.out_ifindex, r.out_name) &&
		    nat_uplink_mark(c, r.out_ifindex, true))
			ret = -1;
	}
	close(fd);
	guard_links_unpin(c, true);	/* gateways that went (switch del, vlan del) */
	ports_for_each(c, guard_gateway, &failed);
	return failed ? -1 : ret;
}

/* Unpin the guard links: all of them, or (STALE_ONLY) those whose device has gone. */
static void guard_links_unpin(struct ctl *c, bool stale_only)
{
	char dir[PATH_MAX], path[PATH_MAX + 256];
	struct dirent *e;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/%s", c->root, SL_PIN_LINKS);
	d = opendir(dir);
	while (d && (e = readdir(d))) {
		const char *u = strchr(e->d_name, '_');

		if (!u || strcmp(u + 1, hook_defs[HOOK_NAT_GUARD].name))
			continue;
		if (stale_only) {
			guard_linked(c, atoi(e->d_name));	/* unpins a detached one */
			continue;
		}
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		unlink(path);
	}
	if (d)
		closedir(d);
}

void nat_guard_unpin(struct ctl *c)
{
	char path[PATH_MAX];

	guard_links_unpin(c, false);
	snprintf(path, sizeof(path), "%s/%s", c->root, NAT_UPLINKS_MAP);
	unlink(path);
	snprintf(path, sizeof(path), "%s/%s", c->root, SL_PIN_PROG_NAT_GUARD);
	unlink(path);
}

static int gateway_leg_is(struct ctl *c, const struct sl_port *p, void *ifindex)
{
	struct nl_link_info li;

	return (p->flags & SL_PORT_F_GATEWAY) && !nl_link_get(p->ifindex, &li) &&
	       li.peer_ifindex == *(int *)ifindex;
}

bool nat_gateway_leg(struct ctl *c, int ifindex)
{
	return ports_for_each(c, gateway_leg_is, &ifindex) == 1;
}

/* A rule's uplink deleted and made again under its name: hook the new device and point the
 * rule at it (only its out_ifindex changes, in place); the guard drops the rule's outbound
 * traffic until then. */
void nat_uplinks_follow(struct ctl *c)
{
	struct sl_nat_rule rules[SL_NAT_RULES_MAX] = {};
	char path[PATH_MAX];
	int fd;

	if (!nat_loaded(c))
		return;
	nat_guard_sync(c);	/* printed on failure; the uplinks are followed all the same */
	snprintf(path, sizeof(path), "%s/%s", c->root, nat_map_names[NAT_RULES]);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return;
	for (__u32 s = 0; s < SL_NAT_RULES_MAX; s++)
		if (bpf_map_lookup_elem(fd, &s, &rules[s]))
			rules[s].used = 0;
	for (__u32 s = 0; s < SL_NAT_RULES_MAX; s++) {
		struct sl_nat_rule *r = &rules[s];
		__u32 old = r->out_ifindex;
		bool shared = false;
		int ifx;

		if (!r->used || nat_uplink_marked(c, old))
			continue;
		ifx = nl_link_index(r->out_name);
		if (ifx < 0)
			continue;	/* still gone */
		if (!nat_uplink_hooked(c, ifx, r->out_name) && nat_uplink_attach(c, ifx, r->out_name))
			continue;
		if ((r->flags & SL_NAT_F_XDP) && nat_xdp_attach(c, ifx, r->out_name, r->flags))
			fprintf(stderr, "sluice daemon: nat %s: uplink %s is back without its XDP "
				"hook (tc only)\n", r->name, r->out_name);
		nat_uplink_mark(c, ifx, true);
		r->out_ifindex = ifx;
		if (bpf_map_update_elem(fd, &s, r, BPF_EXIST)) {
			errf("nat %s: write map sl_nat_rules: %s", r->name, strerror(errno));
			continue;
		}
		for (int o = 0; o < SL_NAT_RULES_MAX; o++)
			shared |= rules[o].used && rules[o].out_ifindex == old;
		if (!shared)
			nat_uplink_detach(c, old);	/* the old device's stale pins */
		fprintf(stderr, "sluice daemon: nat %s: uplink %s is back (ifindex %d), hooked\n",
			r->name, r->out_name, ifx);
	}
	close(fd);
}
