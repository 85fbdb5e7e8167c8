// SPDX-License-Identifier: MIT
/* `sluice nat publish host-cgroup PATH|none`: the host's own connections to its published
 * ports, rewritten to the container by cgroup sock_addr programs (bpf/hostpub.bpf.c)
 * attached to cgroup v2 PATH, their links pinned as links/hostpub_<hook> so they outlive
 * the CLI and the daemon and `sluice upgrade` swaps them like the tc ones. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "ctl.h"
#include "nat_ctl.h"
#include "output.h"
#include "sluice_hostpub.h"
#include "hostpub.skel.h"

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE	71
#endif

static const char *const hook_names[SL_HOSTPUB_PROGS] = SL_HOSTPUB_NAMES;

static void link_path(struct ctl *c, char *buf, int i)
{
	snprintf(buf, PATH_MAX, "%s/%s/hostpub_%s", c->root, SL_PIN_LINKS, hook_names[i]);
}

static void map_path(struct ctl *c, char *buf, const char *name)
{
	snprintf(buf, PATH_MAX, "%s/%s", c->root, name);
}

bool nat_hostpub_attached(struct ctl *c)
{
	char path[PATH_MAX];

	link_path(c, path, 0);
	return access(path, F_OK) == 0;
}

/* Unpin the links (the last reference: the kernel detaches them) and the maps. */
void nat_hostpub_detach(struct ctl *c)
{
	char path[PATH_MAX];

	for (int i = 0; i < SL_HOSTPUB_PROGS; i++) {
		link_path(c, path, i);
		unlink(path);
	}
	map_path(c, path, SL_HOSTPUB_CFG_MAP);
	unlink(path);
	map_path(c, path, SL_HOSTPUB_REV_MAP);
	unlink(path);
}

/* The cgroup the links are attached to, as given; false when there is none. */
static bool cgroup_get(struct ctl *c, char cg[SL_HOSTPUB_PATH_MAX])
{
	struct sl_hostpub_cfg cfg;
	char path[PATH_MAX];
	__u32 zero = 0;
	bool ok;
	int fd;

	if (!nat_hostpub_attached(c))
		return false;
	map_path(c, path, SL_HOSTPUB_CFG_MAP);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return false;
	ok = bpf_map_lookup_elem(fd, &zero, &cfg) == 0 && cfg.cgroup[0];
	close(fd);
	if (ok)
		snprintf(cg, SL_HOSTPUB_PATH_MAX, "%s", cfg.cgroup);
	return ok;
}

/* PATH opened as a cgroup v2 directory, or a clear error. */
static int cgroup_open(const char *path)
{
	struct statfs sf;
	int fd;

	if (strlen(path) >= SL_HOSTPUB_PATH_MAX)
		return errf("nat publish host-cgroup: path longer than %d bytes", SL_HOSTPUB_PATH_MAX - 1);
	if (path[0] != '/')
		return errf("nat publish host-cgroup: \"%s\": give an absolute path (or none)", path);
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return errf("nat publish host-cgroup: %s: %s", path, strerror(errno));
	if (fstatfs(fd, &sf) || sf.f_type != CGROUP2_SUPER_MAGIC) {
		close(fd);
		return errf("nat publish host-cgroup: %s is not a cgroup v2 directory", path);
	}
	return fd;
}

/* This process's netns (the managed host's: main entered it) by its cookie. */
static int netns_cookie(__u64 *cookie)
{
	socklen_t len = sizeof(*cookie);
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), ret = 0;

	if (s < 0 || getsockopt(s, SOL_SOCKET, SO_NETNS_COOKIE, cookie, &len))
		ret = errf("nat publish host-cgroup: netns cookie: %s (kernel 5.14 or later)",
			   strerror(errno));
	if (s >= 0)
		close(s);
	return ret;
}

static int attach(struct ctl *c, const char *cg_path, int cg)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = c->root);
	struct hostpub *skel = hostpub__open_opts(&opts);
	struct bpf_program *progs[SL_HOSTPUB_PROGS];
	struct sl_hostpub_cfg cfg = {};
	char path[PATH_MAX];
	__u32 zero = 0;
	int i, ret = -1;

	if (!skel)
		return errf("open the hostpub BPF object: %s", strerror(errno));
	progs[0] = skel->progs.sl_hp_connect4;
	progs[1] = skel->progs.sl_hp_sendmsg4;
	progs[2] = skel->progs.sl_hp_recvmsg4;
	progs[3] = skel->progs.sl_hp_getpeer4;
	snprintf(cfg.cgroup, sizeof(cfg.cgroup), "%s", cg_path);
	if (netns_cookie(&cfg.netns_cookie))
		goto out;
	if (maps_reuse_pins(c, skel->obj) || hostpub__load(skel)) {
		errf("load the hostpub programs: %s (run with LIBBPF_LOG=1 for the verifier log)",
		    strerror(errno));
		goto unpin;
	}
	if (bpf_map_update_elem(bpf_map__fd(skel->maps.sl_hostpub_cfg), &zero, &cfg, BPF_ANY)) {
		errf("write map %s: %s", SL_HOSTPUB_CFG_MAP, strerror(errno));
		goto unpin;
	}
	for (i = 0; i < SL_HOSTPUB_PROGS; i++) {
		struct bpf_link *l = bpf_program__attach_cgroup(progs[i], cg);
		int e;

		link_path(c, path, i);
		if (!l) {
			errf("nat publish host-cgroup: attach cgroup/%s to %s: %s", hook_names[i],
			    cg_path, strerror(errno));
			goto unpin;
		}
		e = bpf_link__pin(l, path);
		bpf_link__destroy(l);	/* the pin holds it, or nothing does */
		if (e) {
			errf("pin %s: %s", path, strerror(-e));
			goto unpin;
		}
	}
	ret = 0;
	goto out;
unpin:
	nat_hostpub_detach(c);	/* the links made so far go with their pins */
out:
	hostpub__destroy(skel);
	return ret;
}

static int show(struct ctl *c)
{
	char cg[SL_HOSTPUB_PATH_MAX];
	json_object *o = json_object_new_object();

	jadd_str(o, "host_cgroup", cgroup_get(c, cg) ? cg : "none");
	output_print(o);
	return 0;
}

int nat_hostpub_cmd(struct ctl *c, int argc, char **argv)
{
	int cg, ret;

	if (argc > 1)
		return errf("usage: sluice nat publish host-cgroup [PATH|none]");
	if (instance_open(c, false))
		return -1;
	if (!nat_loaded(c))
		return errf("instance %s has no NAT rules", c->instance);
	if (argc == 0)
		return show(c);
	if (!strcmp(argv[0], "none")) {
		nat_hostpub_detach(c);
		return 0;
	}
	cg = cgroup_open(argv[0]);	/* checked before the old attach goes */
	if (cg < 0)
		return -1;
	nat_hostpub_detach(c);
	ret = attach(c, argv[0], cg);
	close(cg);
	return ret;
}

/* `sluice save`: the attach, after the publish lines. */
int nat_hostpub_save(struct ctl *c, FILE *f)
{
	char cg[SL_HOSTPUB_PATH_MAX];

	if (cgroup_get(c, cg))
		fprintf(f, "nat publish host-cgroup %s\n", cg);
	return 0;
}
