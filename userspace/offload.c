// SPDX-License-Identifier: MIT
/* XDP offload of a port: the ingress filter (bpf/offload.bpf.c) bound to one device, its maps
 * on the device, pinned under offload/; and the choice of a port's XDP mode, `auto` included. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "ctl.h"
#include "netlink.h"
#include "offload.skel.h"

/* The verifier log of a bound load; a device's verifier writes its reason into it. */
#define OFFLOAD_LOG_SIZE	(1 << 20)

static const char *const xdp_mode_names[] = {
	[SL_HOOK_XDP_NATIVE] = "xdp native",
	[SL_HOOK_XDP_GENERIC] = "xdp generic",
	[SL_HOOK_XDP_OFFLOAD] = "xdp offload",
};

static void offload_path(struct ctl *c, char *buf, int ifindex, const char *leaf)
{
	if (ifindex)
		snprintf(buf, PATH_MAX, "%s/%s/%d_%s", c->root, SL_PIN_OFFLOAD, ifindex, leaf);
	else
		snprintf(buf, PATH_MAX, "%s/%s", c->root, SL_PIN_OFFLOAD);
}

/* The reason in a failed bound load's verifier log: the device's own last line (drivers
 * prefix theirs with "[name]"), else the verifier's last complaint; "" when the
 * program was refused before a single instruction was looked at. */
static const char *log_reason(char *log)
{
	const char *dev = NULL, *last = "";

	for (char *line = strtok(log, "\n"); line; line = strtok(NULL, "\n")) {
		if (line[0] == '[')
			dev = line;
		else if (strncmp(line, "processed ", 10) && strncmp(line, "verification time", 17))
			last = line;	/* not the statistics the verifier ends with */
	}
	return dev ? dev : last;
}

/* Create map M on P's device ourselves: a refusal then names the map (libbpf would
 * only say that the object failed). */
static int map_create_bound(const struct sl_port *p, struct bpf_map *m)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_ifindex = p->ifindex);
	int fd, e;

	fd = bpf_map_create(bpf_map__type(m), bpf_map__name(m), bpf_map__key_size(m),
			    bpf_map__value_size(m), bpf_map__max_entries(m), &opts);
	if (fd < 0) {
		e = errno;
		if (e == EINVAL)
			return errf("port %s: xdp offload: device %s has no BPF offload (map %s: %s)",
				   p->name, p->name, bpf_map__name(m), strerror(e));
		return errf("port %s: xdp offload: the device refused map %s: %s", p->name,
			   bpf_map__name(m), strerror(e));
	}
	e = bpf_map__reuse_fd(m, fd);
	close(fd);
	if (e)
		return errf("port %s: xdp offload: map %s: %s", p->name, bpf_map__name(m),
			   strerror(-e));
	return 0;
}

/* Say why the device did not take the program. */
static int report_prog_failure(const struct sl_port *p, char *log, int e)
{
	const char *last = log_reason(log);

	if (!*last)	/* refused before verification: the device did not take the program */
		return errf("port %s: xdp offload: the device refused to bind the program: %s",
			   p->name, strerror(e));
	return errf("port %s: xdp offload: the program failed the device's verifier: %s: %s",
		   p->name, strerror(e), last);
}

/* Open the filter bound to P's device; NULL after printing why. */
static struct offload *filter_load(const struct sl_port *p)
{
	struct offload *o = offload__open();
	char *log = calloc(1, OFFLOAD_LOG_SIZE);
	int e;

	if (!o || !log) {
		errf("port %s: xdp offload: open the filter: %s", p->name, strerror(errno));
		goto fail;
	}
	if (map_create_bound(p, o->maps.sl_off_port) || map_create_bound(p, o->maps.sl_off_stats))
		goto fail;
	bpf_program__set_ifindex(o->progs.sl_off_filter, p->ifindex);
	bpf_program__set_log_buf(o->progs.sl_off_filter, log, OFFLOAD_LOG_SIZE);
	bpf_program__set_log_level(o->progs.sl_off_filter, 1);
	if (offload__load(o)) {
		e = errno;
		report_prog_failure(p, log, e);
		goto fail;
	}
	free(log);
	return o;
fail:
	free(log);
	offload__destroy(o);
	return NULL;
}

static int write_port(const struct sl_port *p, int map_fd)
{
	__u32 zero = 0;

	if (bpf_map_update_elem(map_fd, &zero, p, 0))
		return errf("port %s: write the offloaded map sl_off_port: %s", p->name,
			   strerror(errno));
	return 0;
}

int offload_attach(struct ctl *c, const struct sl_port *p)
{
	const char *leaves[] = { "prog", "port", "stats" };
	char path[PATH_MAX], what[64];
	struct offload *o;
	int fds[3], old, ret = -1;

	o = filter_load(p);
	if (!o)
		return -1;
	if (write_port(p, bpf_map__fd(o->maps.sl_off_port)))
		goto out;
	/* A filter there already is replaced in one step, never left missing. */
	offload_path(c, path, p->ifindex, "prog");
	old = bpf_obj_get(path);
	snprintf(what, sizeof(what), "port %s: attach the offloaded XDP program", p->name);
	if (nl_link_set_xdp(p->ifindex, bpf_program__fd(o->progs.sl_off_filter), old,
			    XDP_FLAGS_HW_MODE, what))
		goto out_old;
	fds[0] = bpf_program__fd(o->progs.sl_off_filter);
	fds[1] = bpf_map__fd(o->maps.sl_off_port);
	fds[2] = bpf_map__fd(o->maps.sl_off_stats);
	offload_path(c, path, 0, NULL);
	if (mkdir(path, 0700) && errno != EEXIST) {
		errf("create %s: %s", path, strerror(errno));
		goto undo;
	}
	for (int i = 0; i < 3; i++) {
		offload_path(c, path, p->ifindex, leaves[i]);
		unlink(path);
		if (bpf_obj_pin(fds[i], path)) {
			errf("pin %s: %s", path, strerror(errno));
			goto undo;
		}
	}
	ret = 0;
	goto out_old;
undo:
	/* Unpinned, the device's program would be unreachable: take it off again. */
	nl_link_set_xdp(p->ifindex, -1, fds[0], XDP_FLAGS_HW_MODE, what);
	for (int i = 0; i < 3; i++) {
		offload_path(c, path, p->ifindex, leaves[i]);
		unlink(path);
	}
out_old:
	if (old >= 0)
		close(old);
out:
	offload__destroy(o);
	return ret;
}

void offload_detach(struct ctl *c, int ifindex)
{
	const char *leaves[] = { "prog", "port", "stats" };
	struct nl_link_info li;
	char path[PATH_MAX], what[64];
	int fd;

	offload_path(c, path, ifindex, "prog");
	fd = bpf_obj_get(path);
	if (fd < 0)
		return;		/* the port has no offloaded filter */
	/* Only our own program comes off, and only from a device still there. */
	if (nl_link_get(ifindex, &li) == 0) {
		snprintf(what, sizeof(what), "port %s: detach the offloaded XDP program", li.name);
		nl_link_set_xdp(ifindex, -1, fd, XDP_FLAGS_HW_MODE, what);
	}
	close(fd);
	for (int i = 0; i < 3; i++) {
		offload_path(c, path, ifindex, leaves[i]);
		unlink(path);
	}
	offload_path(c, path, 0, NULL);
	rmdir(path);	/* when no other port has one */
}

int offload_sync(struct ctl *c, const struct sl_port *p)
{
	char path[PATH_MAX];
	int fd, ret;

	if (p->hook != SL_HOOK_XDP_OFFLOAD)
		return 0;
	offload_path(c, path, p->ifindex, "port");
	fd = bpf_obj_get(path);
	if (fd < 0)
		return errf("port %s: offloaded map %s: %s", p->name, path, strerror(errno));
	ret = write_port(p, fd);
	close(fd);
	return ret;
}

int offload_stats(struct ctl *c, uint32_t ifindex, struct sl_port_stats *s)
{
	char path[PATH_MAX];
	__u32 zero = 0;
	int fd, ret;

	offload_path(c, path, ifindex, "stats");
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -ENOENT;
	ret = bpf_map_lookup_elem(fd, &zero, s) ? -errno : 0;
	close(fd);
	return ret;
}

uint32_t offload_prog_id(struct ctl *c, uint32_t ifindex)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	char path[PATH_MAX];
	int fd;

	offload_path(c, path, ifindex, "prog");
	fd = bpf_obj_get(path);
	if (fd < 0)
		return 0;
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		info.id = 0;
	close(fd);
	return info.id;
}

/* One XDP mode: offload is the device's filter in front of the native program. */
static int xdp_try(struct ctl *c, const struct sl_port *p, int hook)
{
	if (hook != SL_HOOK_XDP_OFFLOAD)
		return port_attach_xdp(c, p->ifindex, p->name, hook);
	if (port_attach_xdp(c, p->ifindex, p->name, SL_HOOK_XDP_NATIVE))
		return -1;
	if (offload_attach(c, p)) {
		port_detach_xdp(c, p->ifindex);
		return -1;
	}
	return 0;
}

int port_xdp_attach(struct ctl *c, struct sl_port *p, int want)
{
	static const int order[] = { SL_HOOK_XDP_OFFLOAD, SL_HOOK_XDP_NATIVE, SL_HOOK_XDP_GENERIC };

	if (want != PORT_HOOK_AUTO) {
		if (xdp_try(c, p, want))
			return -1;
		p->hook = want;
		return 0;
	}
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		/* The refusal is on stderr already; say what comes next. */
		if (xdp_try(c, p, order[i])) {
			if (i + 1 < sizeof(order) / sizeof(order[0]))
				fprintf(stderr, "sluice: port %s: %s refused, trying %s\n", p->name,
					xdp_mode_names[order[i]], xdp_mode_names[order[i + 1]]);
			continue;
		}
		p->hook = order[i];
		printf("port %s: %s\n", p->name, xdp_mode_names[order[i]]);
		return 0;
	}
	return errf("port %s: xdp auto: no XDP mode was accepted", p->name);
}
