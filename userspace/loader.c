// SPDX-License-Identifier: MIT
/* The instance's pinned objects: maps and programs loaded once through the
 * skeletons, bpf_links pinned per port so traffic outlives every process. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <linux/if_link.h>
#include <linux/magic.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "build_info.h"
#include "ctl.h"
#include "hook.h"
#include "nat_ctl.h"
#include "identity.h"
#include "port.h"
#include "intent.h"
#include "events.h"
#include "addr4.h"
#include "addr6.h"
#include "switch_tc.skel.h"
#include "switch_xdp.skel.h"

#ifndef BPF_TCX_INGRESS
#define BPF_TCX_INGRESS 46	/* kernel >= 6.6; Debian's libbpf 1.1 headers predate it */
#endif

static const char *const map_names[] = {
	"sl_ports", "sl_switches", "sl_fdb", "sl_flood", "sl_stats", "sl_tx",
};

static int *map_fd_slot(struct ctl *c, int i)
{
	int *slots[] = { &c->ports, &c->switches, &c->fdb, &c->flood, &c->stats, &c->tx };

	return slots[i];
}

static int path_of(struct ctl *c, char *buf, const char *leaf)
{
	return snprintf(buf, PATH_MAX, "%s/%s", c->root, leaf) >= PATH_MAX ? -ENAMETOOLONG : 0;
}

static int check_bpffs(void)
{
	struct statfs st;

	if (statfs("/sys/fs/bpf", &st) || st.f_type != BPF_FS_MAGIC)
		return errf("bpffs is not mounted at /sys/fs/bpf (mount -t bpf bpf /sys/fs/bpf)");
	return 0;
}

/* Serialise commands of one instance: the lock lives on the pin root itself. Queries
 * take it shared: they exclude writers, not each other. */
static int lock_root(struct ctl *c)
{
	int how = c->read_only ? LOCK_SH : LOCK_EX;

	c->lock_fd = open(c->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (c->lock_fd < 0)
		return -errno;
	for (int i = 0; i < 300; i++) {	/* up to 30 s */
		if (flock(c->lock_fd, how | LOCK_NB) == 0)
			return 0;
		usleep(100 * 1000);
	}
	return errf("instance %s is locked by another sluice command (waited 30 s)", c->instance);
}

/* Point OBJ's maps at the instance's pinned ones. libbpf 1.1's own pin reuse
 * refuses devmaps (the kernel adds BPF_F_RDONLY_PROG to their flags), so the
 * pins are opened here and handed over as fds. */
int maps_reuse_pins(struct ctl *c, struct bpf_object *obj)
{
	struct bpf_map *m;
	char path[PATH_MAX];

	bpf_object__for_each_map(m, obj) {
		int fd;

		path_of(c, path, bpf_map__name(m));
		fd = bpf_obj_get(path);
		if (fd < 0)
			continue;	/* first load: libbpf creates and pins it */
		if (bpf_map__reuse_fd(m, fd) || bpf_map__set_pin_path(m, NULL)) {
			close(fd);
			return errf("map %s: cannot reuse the pinned map", path);
		}
		close(fd);	/* reuse_fd took its own copy */
	}
	return 0;
}

int switch_objs_load(struct ctl *c, struct switch_objs *o, const char *suspect)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = c->root);
	const char *lacks;
	int e;

	o->tc = switch_tc__open_opts(&opts);
	o->xdp = switch_xdp__open_opts(&opts);
	if (!o->tc || !o->xdp) {
		errf("open BPF objects: %s", strerror(errno));
		goto fail;
	}
	if (!maps_reuse_pins(c, o->tc->obj) && !switch_tc__load(o->tc) &&
	    !maps_reuse_pins(c, o->xdp->obj) && !switch_xdp__load(o->xdp))
		return 0;
	e = errno;
	if (suspect)
		errf("load BPF programs: %s (%s run with LIBBPF_LOG=1 for the verifier log)",
		    strerror(e), suspect);
	else if ((lacks = prereq_kernel_missing()))
		errf("load BPF programs: this kernel lacks %s", lacks);
	else
		errf("load BPF programs: %s (run with LIBBPF_LOG=1 for the verifier log)",
		    strerror(e));
fail:
	switch_objs_destroy(o);
	return -1;
}

void switch_objs_destroy(struct switch_objs *o)
{
	switch_xdp__destroy(o->xdp);
	switch_tc__destroy(o->tc);
	o->xdp = NULL;
	o->tc = NULL;
}

static int load_programs(struct ctl *c)
{
	struct switch_objs o;
	char path[PATH_MAX];
	int ret = -1;

	if (switch_objs_load(c, &o, NULL))
		return -1;
	path_of(c, path, SL_PIN_PROG_TC);
	if (bpf_program__pin(o.tc->progs.sl_tc_ingress, path))
		goto pin_fail;
	path_of(c, path, SL_PIN_PROG_XDP);
	if (bpf_program__pin(o.xdp->progs.sl_xdp_ingress, path))
		goto pin_fail;
	ret = build_record(c);
	goto out;
pin_fail:
	errf("pin %s: %s", path, strerror(errno));
out:
	switch_objs_destroy(&o);
	return ret;
}

int instance_open(struct ctl *c, bool create)
{
	char path[PATH_MAX];

	if (check_bpffs())
		return -1;
	if (snprintf(c->root, sizeof(c->root), "%s/%s", SL_PIN_BASE, c->instance) >= PATH_MAX)
		return errf("instance name too long");
	if (access(c->root, F_OK)) {
		if (!create)
			return errf("instance %s has no switch (no pins under %s)", c->instance,
				   c->root);
		if (mkdir(SL_PIN_BASE, 0700) && errno != EEXIST)
			return errf("create %s: %s", SL_PIN_BASE, strerror(errno));
		if (pin_dir_check(SL_PIN_BASE))	/* before anything is made inside it */
			return -1;
		if (mkdir(c->root, 0700) && errno != EEXIST)
			return errf("create %s: %s", c->root, strerror(errno));
	}
	if (pin_dir_check(SL_PIN_BASE) || pin_dir_check(c->root))
		return -1;
	if (lock_root(c))
		return -1;
	path_of(c, path, SL_PIN_PROG_TC);
	if (access(path, F_OK)) {
		if (!create) {
			instance_close(c);
			return errf("instance %s has no switch (no pins under %s)", c->instance,
				   c->root);
		}
		if (load_programs(c)) {
			instance_remove(c);
			return -1;
		}
	}
	/* Before anything is read or written: this is the netns the instance manages. */
	if (identity_check(c)) {
		instance_close(c);
		return -1;
	}
	path_of(c, path, SL_PIN_LINKS);
	if (mkdir(path, 0700) && errno != EEXIST)
		return errf("create %s: %s", path, strerror(errno));
	if (pin_dir_check(path))
		return -1;
	for (size_t i = 0; i < sizeof(map_names) / sizeof(map_names[0]); i++) {
		path_of(c, path, map_names[i]);
		*map_fd_slot(c, i) = bpf_obj_get(path);
		if (*map_fd_slot(c, i) < 0)
			return errf("map %s: %s", path, strerror(errno));
	}
	path_of(c, path, SL_PIN_PROG_TC);
	c->prog_tc = bpf_obj_get(path);
	path_of(c, path, SL_PIN_PROG_XDP);
	c->prog_xdp = bpf_obj_get(path);
	if (c->prog_tc < 0 || c->prog_xdp < 0)
		return errf("programs under %s: %s", c->root, strerror(errno));
	if (!c->read_only) {
		intents_recover(c);	/* what a killed `port add` left */
	} else if (intents_pending(c)) {
		/* A query must not show a half-made port: roll it back under the exclusive
		 * lock (queries beside us finish first), then share again. */
		if (flock(c->lock_fd, LOCK_EX) == 0)
			intents_recover(c);
		flock(c->lock_fd, LOCK_SH);
	}
	return 0;
}

int instance_open_query(struct ctl *c)
{
	char path[PATH_MAX];

	if (check_bpffs())
		return -1;
	snprintf(c->root, sizeof(c->root), "%s/%s", SL_PIN_BASE, c->instance);
	path_of(c, path, SL_PIN_PROG_TC);
	if (access(path, F_OK) && errno == ENOENT)
		return 1;	/* an empty state is an answer, not an error */
	return instance_open(c, false);
}

int instance_open_read(struct ctl *c)
{
	c->read_only = true;
	return instance_open_query(c);
}

void instance_close(struct ctl *c)
{
	int *fds[] = { &c->ports, &c->switches, &c->fdb, &c->flood, &c->stats, &c->tx,
		       &c->prog_tc, &c->prog_xdp };

	/* The daemon opens the instance every round: leaked fds would reach EMFILE. */
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		if (*fds[i] > 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
	if (c->lock_fd >= 0)
		close(c->lock_fd);	/* also drops the lock */
	c->lock_fd = -1;
	c->read_only = false;	/* a batch's next command decides for itself */
}

void pins_unlink(struct ctl *c, const char *const names[], size_t n)
{
	char path[PATH_MAX];

	for (size_t i = 0; i < n; i++)
		if (!path_of(c, path, names[i]))
			unlink(path);
}

int instance_remove(struct ctl *c)
{
	char path[PATH_MAX];

	if (nat_loaded(c))
		return 0;	/* NAT rules still use the instance: `nat del` of the last removes it */

	pins_unlink(c, map_names, sizeof(map_names) / sizeof(map_names[0]));
	ports_fast_unpin(c);
	fdb_cache_unpin(c);
	path_of(c, path, SL_PIN_PROG_TC);
	unlink(path);
	path_of(c, path, SL_PIN_PROG_XDP);
	unlink(path);
	lan_unpin(c);
	nat_fast_unpin_slot(c);
	identity_unpin(c);
	intents_unpin(c);
	build_unpin(c);
	ev_unpin(c->root);
	vxlan_unpin(c);
	addr6_unpin(c);
	addr4_unpin(c);
	hook_marks_clear(c);
	path_of(c, path, SL_PIN_LINKS);
	rmdir(path);
	if (rmdir(c->root) && errno != ENOENT)
		return errf("remove %s: %s", c->root, strerror(errno));
	rmdir(SL_PIN_BASE);	/* only when no other instance is left */
	return 0;
}

static void link_path(struct ctl *c, char *buf, int ifindex, const char *kind)
{
	snprintf(buf, PATH_MAX, "%s/%s/%d_%s", c->root, SL_PIN_LINKS, ifindex, kind);
}

static int attach_tc(struct ctl *c, int ifindex, const char *name)
{
	char what[IF_NAMESIZE + 8];

	snprintf(what, sizeof(what), "port %s", name);
	return hook_attach(c, HOOK_PORT, ifindex, ifindex, c->prog_tc, what);
}

int port_attach_xdp(struct ctl *c, int ifindex, const char *name, int hook)
{
	LIBBPF_OPTS(bpf_link_create_opts, opts,
		    .flags = hook == SL_HOOK_XDP_NATIVE ? XDP_FLAGS_DRV_MODE : XDP_FLAGS_SKB_MODE);
	char path[PATH_MAX];
	int fd, ret;

	fd = bpf_link_create(c->prog_xdp, ifindex, BPF_XDP, &opts);
	if (fd < 0)
		return errf("port %s: attach XDP (%s): %s%s", name,
			   hook == SL_HOOK_XDP_NATIVE ? "native" : "generic", strerror(errno),
			   hook == SL_HOOK_XDP_NATIVE && errno == EOPNOTSUPP ?
			   " (its driver has no native XDP: use xdp generic)" :
			   hook == SL_HOOK_XDP_NATIVE && errno == ERANGE ?
			   " (the MTU is too large: native XDP on a veth caps it at about 3.5k; "
			   "jumbo frames need a tc port or xdp generic)" : "");
	link_path(c, path, ifindex, "xdp");
	ret = bpf_obj_pin(fd, path) ? -errno : 0;
	close(fd);
	if (ret)
		return errf("pin %s: %s", path, strerror(-ret));
	return 0;
}

int port_attach(struct ctl *c, int ifindex, const char *name, int hook)
{
	if (attach_tc(c, ifindex, name))
		return -1;
	if (hook != SL_HOOK_TC && port_attach_xdp(c, ifindex, name, hook)) {
		port_detach(c, ifindex);
		return -1;
	}
	return 0;
}

void port_detach_xdp(struct ctl *c, int ifindex)
{
	char path[PATH_MAX];

	offload_detach(c, ifindex);
	link_path(c, path, ifindex, "xdp");
	unlink(path);
}

void port_detach(struct ctl *c, int ifindex)
{
	port_detach_xdp(c, ifindex);
	hook_detach(c, HOOK_PORT, ifindex, ifindex);
}
