// SPDX-License-Identifier: MIT
/* `sluice upgrade`'s swaps: each pinned link and clsact filter pointed at this build's program
 * of the same name, each recorded in the journal (upgrade_swap.h) so that swaps_undo can move
 * it back. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include "ctl.h"
#include "hook.h"
#include "sluice_nat.h"
#include "port.h"
#include "identity.h"
#include "nat_ctl.h"
#include "upgrade_swap.h"

int prog_name_of(int prog_fd, char name[BPF_OBJ_NAME_LEN])
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(prog_fd, &info, &len))
		return -errno;
	memcpy(name, info.name, BPF_OBJ_NAME_LEN);
	return 0;
}

const struct new_prog *new_prog_find(const struct upgrade *u, int old_fd)
{
	char name[BPF_OBJ_NAME_LEN];

	if (prog_name_of(old_fd, name))
		return NULL;
	for (int i = 0; i < u->nnp; i++)
		if (!strncmp(u->np[i].name, name, BPF_OBJ_NAME_LEN))
			return &u->np[i];
	return NULL;
}

static int swap_back(void *arg)
{
	const struct swap *s = arg;

	return hook_filter_replace(s->hook.kind, s->hook.ifindex, s->hook.old, s->old_fd);
}

void swaps_undo(struct upgrade *u)
{
	while (u->nsw > 0) {
		struct swap *s = &u->sw[--u->nsw];

		if (s->link_fd >= 0) {
			bpf_link_update(s->link_fd, s->old_fd, NULL);
			close(s->link_fd);
		} else if (s->ns_fd < 0) {
			swap_back(s);
		} else {
			netns_run_fd(s->ns_fd, "endpoint", swap_back, s);
		}
		if (s->ns_fd >= 0)
			close(s->ns_fd);
		close(s->old_fd);
	}
}

void swaps_release(struct upgrade *u)
{
	for (int i = 0; i < u->nsw; i++) {
		if (u->sw[i].link_fd >= 0)
			close(u->sw[i].link_fd);
		if (u->sw[i].link_fd < 0 && u->sw[i].ns_fd >= 0)
			close(u->sw[i].ns_fd);
		close(u->sw[i].old_fd);
	}
	u->nsw = 0;
}

/* Point the pinned link PATH at NEW_FD; the old program is kept for an undo. */
static int link_point(struct upgrade *u, const char *path, int fd, int new_fd)
{
	struct bpf_link_info info = {};
	__u32 len = sizeof(info);
	int old;

	if (bpf_obj_get_info_by_fd(fd, &info, &len) ||
	    (old = bpf_prog_get_fd_by_id(info.prog_id)) < 0)
		return errf("link %s: %s", path, strerror(errno));
	if (bpf_link_update(fd, new_fd, NULL)) {
		errf("link %s: %s", path, strerror(errno));
		close(old);
		return -1;
	}
	u->sw[u->nsw++] = (struct swap){ .link_fd = fd, .old_fd = old };
	u->links++;
	return 0;
}

/* A macvlan endpoint's link (ep<slot>_in|out): its own copy of the new programs. */
static int ep_link_swap(struct ctl *c, struct upgrade *u, const char *path, unsigned slot,
			bool egress)
{
	int fd, in = -1, out = -1, ret = -1;

	fd = bpf_obj_get(path);
	if (fd < 0)
		return errf("link %s: %s", path, strerror(errno));
	if (endpoint_progs_load(c, SL_EP_KEY(slot), &in, &out) == 0)
		ret = link_point(u, path, fd, egress ? out : in);
	if (ret)
		close(fd);
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	return ret;
}

/* Point the pinned link PATH at the new program of the same name. */
static int link_swap(struct upgrade *u, const char *path)
{
	struct bpf_link_info info = {};
	__u32 len = sizeof(info);
	const struct new_prog *np = NULL;
	int fd, old;

	fd = bpf_obj_get(path);
	if (fd < 0)
		return errf("link %s: %s", path, strerror(errno));
	if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0 &&
	    (old = bpf_prog_get_fd_by_id(info.prog_id)) >= 0) {
		np = new_prog_find(u, old);
		close(old);
	}
	if (!np || link_point(u, path, fd, np->fd)) {
		if (!np)
			errf("link %s: its program is not in this build", path);
		close(fd);
		return -1;
	}
	return 0;
}

int links_swap(struct ctl *c, struct upgrade *u)
{
	char dir[PATH_MAX], path[PATH_MAX];
	struct dirent *de;
	DIR *d;
	int ret = 0;

	snprintf(dir, sizeof(dir), "%s/%s", c->root, SL_PIN_LINKS);
	d = opendir(dir);
	if (!d)
		return errf("open %s: %s", dir, strerror(errno));
	while (!ret && (de = readdir(d))) {
		unsigned slot;
		char dir_end[4];

		if (de->d_name[0] == '.')
			continue;
		if (u->nsw == SWAPS_MAX)
			ret = errf("upgrade: more than %d links", SWAPS_MAX);
		else if (snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >= PATH_MAX)
			ret = errf("link %s/%s: path too long", dir, de->d_name);
		else if (sscanf(de->d_name, "ep%u_%3s", &slot, dir_end) == 2)
			ret = ep_link_swap(c, u, path, slot, !strcmp(dir_end, "out"));
		else
			ret = link_swap(u, path);
	}
	closedir(d);
	return ret;
}

/* Replace the clsact filter at H (in the current netns, which is NS_FD's or the host's
 * for -1), if there is one, by NEW_FD or else the new program of the same name. */
static int clsact_hook_swap(struct upgrade *u, const struct clsact_hook *h, int ns_fd, int new_fd)
{
	const struct new_prog *np;
	uint32_t id = hook_filter_prog(h->kind, h->ifindex, h->old);
	int old, ret;

	if (!id)
		return 0;	/* no such filter: a tcx link, or not hooked that way */
	old = bpf_prog_get_fd_by_id(id);
	if (old < 0)
		return 0;	/* replaced or detached meanwhile */
	np = new_fd < 0 ? new_prog_find(u, old) : NULL;
	if (u->nsw == SWAPS_MAX || (new_fd < 0 && !np)) {
		close(old);
		return errf("ifindex %d: its tc program is not in this build", h->ifindex);
	}
	ret = hook_filter_replace(h->kind, h->ifindex, h->old, new_fd < 0 ? np->fd : new_fd);
	if (ret) {
		close(old);
		return errf("ifindex %d: replace tc filter: %s", h->ifindex, strerror(-ret));
	}
	u->sw[u->nsw++] = (struct swap){ .link_fd = -1, .hook = *h,
					 .ns_fd = ns_fd >= 0 ? dup(ns_fd) : -1, .old_fd = old };
	u->clsact++;
	return 0;
}

struct ep_swap {
	struct upgrade *u;
	int ifindex, ns_fd, in, out;
};

static int ep_swap_here(void *arg)
{
	struct ep_swap *e = arg;

	return clsact_hook_swap(e->u, &(struct clsact_hook){ e->ifindex, HOOK_EP_IN, false }, e->ns_fd,
				e->in) ||
	       clsact_hook_swap(e->u, &(struct clsact_hook){ e->ifindex, HOOK_EP_OUT, false }, e->ns_fd,
				e->out) ? -1 : 0;
}

/* A macvlan endpoint's two filters, inside its netns: its own copy of the new programs.
 * A container that is gone has none left to swap. */
static int ep_clsact_swap(struct ctl *c, struct upgrade *u, const struct sl_port *p)
{
	struct ep_swap e = { u, p->ep_ifindex, -1, -1, -1 };
	char path[PATH_MAX], spec[PORT_NS_PATH_MAX];
	const char *where = port_ns_spec(c, p, spec);
	int ret = -1;

	hook_link_path(c, path, HOOK_EP_IN, p->slot);
	if (!access(path, F_OK) || !endpoint_alive(c, p))
		return 0;	/* tcx links (swapped with the others), or nothing left */
	e.ns_fd = netns_open(where);
	if (e.ns_fd >= 0 && !endpoint_progs_load(c, p->ifindex, &e.in, &e.out))
		ret = netns_run_fd(e.ns_fd, where, ep_swap_here, &e);
	if (e.ns_fd >= 0)
		close(e.ns_fd);
	if (e.in >= 0)
		close(e.in);
	if (e.out >= 0)
		close(e.out);
	return ret;
}

/* Swap the host-netns filters of the kinds in KINDS on IFINDEX (both priorities). */
static int clsact_kinds_swap(struct upgrade *u, int ifindex, const enum hook_kind *kinds, int n)
{
	int ret = 0;

	for (int i = 0; !ret && i < n; i++)
		for (int old = 0; !ret && old < 2; old++)
			ret = clsact_hook_swap(u, &(struct clsact_hook){ ifindex, kinds[i], old },
					       -1, -1);
	return ret;
}

static int port_clsact_swap(struct ctl *c, const struct sl_port *p, void *u)
{
	static const enum hook_kind port[] = { HOOK_PORT }, lan[] = { HOOK_LAN_IN, HOOK_LAN_OUT };

	if (p->flags & SL_PORT_F_ENDPOINT)
		return ep_clsact_swap(c, u, p);
	return clsact_kinds_swap(u, p->ifindex, port, 1) ||
	       ((p->flags & SL_PORT_F_LAN) && clsact_kinds_swap(u, p->parent, lan, 2));
}

/* Kernels without tcx (< 6.6) hold programs as clsact filters: switch ports, LAN parents
 * and NAT uplinks in the host netns, macvlan endpoints in their containers'. */
int clsact_swap(struct ctl *c, struct upgrade *u)
{
	static const enum hook_kind nat[] = { HOOK_NAT_IN, HOOK_NAT_OUT };
	char path[PATH_MAX];
	int rules, ret;

	ret = ports_for_each(c, port_clsact_swap, u) ? -1 : 0;
	snprintf(path, sizeof(path), "%s/%s", c->root, nat_map_names[NAT_RULES]);
	rules = bpf_obj_get(path);
	for (__u32 s = 0; !ret && rules >= 0 && s < SL_NAT_RULES_MAX; s++) {
		struct sl_nat_rule r;
		bool seen = false;

		if (bpf_map_lookup_elem(rules, &s, &r) || !r.used)
			continue;
		for (int i = 0; i < u->nsw; i++)	/* an uplink of several rules: once */
			seen |= u->sw[i].link_fd < 0 && u->sw[i].hook.ifindex == (int)r.out_ifindex &&
				u->sw[i].hook.kind == HOOK_NAT_OUT;
		if (!seen)
			ret = clsact_kinds_swap(u, r.out_ifindex, nat, 2);
	}
	if (rules >= 0)
		close(rules);
	return ret;
}
