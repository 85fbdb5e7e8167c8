// SPDX-License-Identifier: MIT
/* Hook kinds and their attach/detach: a tcx link pinned under links/, or for switch ports and
 * on kernels without tcx a clsact filter whose qdisc goes again when sluice created it
 * (hook.h). */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "ctl.h"
#include "hook.h"
#include "netlink.h"

#ifndef BPF_TCX_INGRESS
#define BPF_TCX_INGRESS 46	/* kernel >= 6.6; Debian's libbpf 1.1 headers predate it */
#define BPF_TCX_EGRESS 47
#endif
#ifndef BPF_F_BEFORE
#define BPF_F_BEFORE	(1U << 3)
#endif

/* clsact filters, where there is no tcx (< 6.6): handle and priority of each hook. On a
 * macvlan parent the LAN hook's priority puts it ahead of the NAT's (docs/macvlan.md). */
#define TC_HANDLE_PORT		1	/* switch port ingress; macvlan endpoint, both ways */
#define TC_PRIO_PORT		1
#define TC_HANDLE_NAT		0x4e41	/* "NA": uplink, both ways */
#define TC_PRIO_NAT		2
#define TC_PRIO_NAT_OLD		1	/* builds before macvlan ports */
#define TC_HANDLE_LAN		0x4c41	/* "LA": macvlan parent, both ways */
#define TC_PRIO_LAN		1

const struct hook_def hook_defs[HOOK_KINDS] = {
	[HOOK_PORT]	 = { "tc", false, false, false, TC_HANDLE_PORT, TC_PRIO_PORT, 0, true },
	[HOOK_NAT_OUT]	 = { "nat_egress", true, false, false, TC_HANDLE_NAT, TC_PRIO_NAT,
			     TC_PRIO_NAT_OLD },
	[HOOK_NAT_IN]	 = { "nat_ingress", false, false, false, TC_HANDLE_NAT, TC_PRIO_NAT,
			     TC_PRIO_NAT_OLD },
	[HOOK_LAN_OUT]	 = { "lan_out", true, false, true, TC_HANDLE_LAN, TC_PRIO_LAN, 0 },
	[HOOK_LAN_IN]	 = { "lan_in", false, false, true, TC_HANDLE_LAN, TC_PRIO_LAN, 0 },
	[HOOK_NAT_GUARD] = { "nat_guard", false, false, false, TC_HANDLE_NAT, TC_PRIO_NAT, 0 },
	[HOOK_EP_OUT]	 = { "out", true, true, false, TC_HANDLE_PORT, TC_PRIO_PORT, 0 },
	[HOOK_EP_IN]	 = { "in", false, true, false, TC_HANDLE_PORT, TC_PRIO_PORT, 0 },
};

void hook_link_path(struct ctl *c, char *buf, enum hook_kind k, uint32_t id)
{
	snprintf(buf, PATH_MAX, "%s/%s/%s%u_%s", c->root, SL_PIN_LINKS,
		 hook_defs[k].endpoint ? "ep" : "", id, hook_defs[k].name);
}

static void qdisc_mark_path(struct ctl *c, char *buf, int ifindex)
{
	snprintf(buf, PATH_MAX, "%s/%s/%d", c->root, SL_PIN_CLSACT, ifindex);
}

/* Record that sluice created IFINDEX's clsact qdisc (best effort: without the mark the qdisc
 * just stays, as it did before). */
static void qdisc_mark(struct ctl *c, int ifindex)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", c->root, SL_PIN_CLSACT);
	mkdir(path, 0700);
	qdisc_mark_path(c, path, ifindex);
	mkdir(path, 0700);
}

void hook_marks_clear(struct ctl *c)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof(path), "%s/%s", c->root, SL_PIN_CLSACT);
	d = opendir(path);
	if (!d)
		return;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.' &&
		    snprintf(path, sizeof(path), "%s/%s/%s", c->root, SL_PIN_CLSACT,
			     de->d_name) < (int)sizeof(path))
			rmdir(path);
	closedir(d);
	snprintf(path, sizeof(path), "%s/%s", c->root, SL_PIN_CLSACT);
	rmdir(path);
}

int hook_attach(struct ctl *c, enum hook_kind k, int ifindex, uint32_t id, int prog_fd,
		const char *what)
{
	const struct hook_def *d = &hook_defs[k];
	LIBBPF_OPTS(bpf_link_create_opts, lo, .flags = d->first ? BPF_F_BEFORE : 0);
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
		    .attach_point = d->egress ? BPF_TC_EGRESS : BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, tco, .handle = d->handle, .priority = d->prio,
		    .prog_fd = prog_fd, .flags = BPF_TC_F_REPLACE);
	char path[PATH_MAX];
	int fd, ret;

	fd = d->clsact ? -1 :
		bpf_link_create(prog_fd, ifindex, d->egress ? BPF_TCX_EGRESS : BPF_TCX_INGRESS, &lo);
	if (fd >= 0) {
		hook_link_path(c, path, k, id);
		ret = bpf_obj_pin(fd, path) ? -errno : 0;
		close(fd);
		return ret ? errf("pin %s: %s", path, strerror(-ret)) : 0;
	}
	/* No tcx (kernel < 6.6), or a port: a clsact direct-action filter, which persists by
	 * itself. */
	ret = bpf_tc_hook_create(&hook);
	if (ret && ret != -EEXIST)
		return errf("%s: create clsact: %s", what, strerror(-ret));
	if (ret == 0 && !d->endpoint)	/* ours: destroyed with the last filter */
		qdisc_mark(c, ifindex);
	ret = bpf_tc_attach(&hook, &tco);
	if (ret) {
		errf("%s: attach tc %s program: %s", what, d->name, strerror(-ret));
		hook_detach(c, k, ifindex, id);	/* the qdisc, if this made it */
		return -1;
	}
	return 0;
}

/* Destroy IFINDEX's clsact qdisc when sluice created it and no filter is left on it. */
static void qdisc_release(struct ctl *c, int ifindex)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
		    .attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS);
	char path[PATH_MAX];

	qdisc_mark_path(c, path, ifindex);
	if (access(path, F_OK))
		return;
	if (nl_tc_filter_count(ifindex, false) == 0 && nl_tc_filter_count(ifindex, true) == 0)
		bpf_tc_hook_destroy(&hook);
	else if (nl_link_get(ifindex, &(struct nl_link_info){ 0 }) == 0)
		return;		/* still in use: the last detach destroys it */
	rmdir(path);
	snprintf(path, sizeof(path), "%s/%s", c->root, SL_PIN_CLSACT);
	rmdir(path);	/* the last mark: a failed first `port add` leaves no directory */
}

void hook_detach(struct ctl *c, enum hook_kind k, int ifindex, uint32_t id)
{
	const struct hook_def *d = &hook_defs[k];
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
		    .attach_point = d->egress ? BPF_TC_EGRESS : BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, tco, .handle = d->handle, .priority = d->prio);
	LIBBPF_OPTS(bpf_tc_opts, old, .handle = d->handle, .priority = d->prio_old);
	char path[PATH_MAX];

	hook_link_path(c, path, k, id);
	if (!unlink(path) || errno != ENOENT)
		return;
	if (ifindex <= 0)
		return;
	if (bpf_tc_detach(&hook, &tco) && d->prio_old)
		bpf_tc_detach(&hook, &old);	/* a filter of an older build */
	if (!d->endpoint)
		qdisc_release(c, ifindex);
}

bool hook_linked(struct ctl *c, enum hook_kind k, int ifindex, uint32_t id)
{
	struct bpf_link_info info = {};
	__u32 len = sizeof(info);
	char path[PATH_MAX];
	bool ret;
	int fd;

	hook_link_path(c, path, k, id);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return false;
	/* tcx.ifindex (0 once detached) sits where xdp.ifindex does; libbpf 1.1's uapi
	 * header predates tcx */
	ret = !bpf_obj_get_info_by_fd(fd, &info, &len) && info.xdp.ifindex == (__u32)ifindex;
	close(fd);
	return ret;
}

static void filter_opts(enum hook_kind k, int ifindex, bool old, struct bpf_tc_hook *hook,
			struct bpf_tc_opts *tco)
{
	hook->ifindex = ifindex;
	hook->attach_point = hook_defs[k].egress ? BPF_TC_EGRESS : BPF_TC_INGRESS;
	tco->handle = hook_defs[k].handle;
	tco->priority = old ? hook_defs[k].prio_old : hook_defs[k].prio;
}

uint32_t hook_filter_prog(enum hook_kind k, int ifindex, bool old)
{
	LIBBPF_OPTS(bpf_tc_hook, hook);
	LIBBPF_OPTS(bpf_tc_opts, tco);

	if (old && !hook_defs[k].prio_old)
		return 0;
	filter_opts(k, ifindex, old, &hook, &tco);
	return bpf_tc_query(&hook, &tco) ? 0 : tco.prog_id;
}

int hook_filter_replace(enum hook_kind k, int ifindex, bool old, int prog_fd)
{
	LIBBPF_OPTS(bpf_tc_hook, hook);
	LIBBPF_OPTS(bpf_tc_opts, tco, .prog_fd = prog_fd, .flags = BPF_TC_F_REPLACE);

	filter_opts(k, ifindex, old, &hook, &tco);
	return bpf_tc_attach(&hook, &tco);
}

bool hook_filtered(enum hook_kind k, int ifindex)
{
	return hook_filter_prog(k, ifindex, false) != 0;
}
