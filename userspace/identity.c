// SPDX-License-Identifier: MIT
/* Instance identity: which network namespace an instance manages (recorded in a pinned map
 * when it is made, checked by every command and the daemon), and safe pin directories. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include "ctl.h"
#include "identity.h"
#include "netlink.h"

struct sl_identity {
	__u64 ns_dev;		/* st_dev and st_ino of the managed netns (nsfs) */
	__u64 ns_ino;
	char netns[64];		/* --netns as given when the instance was made ("" = none) */
};

int netns_self_id(struct netns_id *id)
{
	struct stat st;

	if (stat("/proc/self/ns/net", &st))
		return errf("stat /proc/self/ns/net: %s", strerror(errno));
	id->dev = st.st_dev;
	id->ino = st.st_ino;
	return 0;
}

int netns_id_of(const char *path, struct netns_id *id)
{
	struct stat st;

	if (stat(path, &st))
		return -errno;
	id->dev = st.st_dev;
	id->ino = st.st_ino;
	return 0;
}

/* A directory sluice reuses must be root's own (mode 0700): bpffs is often mode 1777, and
 * a directory someone else made first would let them delete pins and hold the lock. */
int pin_dir_check(const char *path)
{
	struct stat st;

	if (lstat(path, &st))
		return errno == ENOENT ? 0 : errf("%s: %s", path, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return errf("%s is not a directory (remove it: rm %s)", path, path);
	if (st.st_uid != geteuid())
		return errf("%s belongs to uid %u, not to uid %u: someone else made it; remove it "
			   "(rm -r %s) after checking what it holds", path, st.st_uid, geteuid(),
			   path);
	if ((st.st_mode & 07777) != 0700 && chmod(path, 0700))
		return errf("%s has mode %04o and cannot be set to 0700: %s", path,
			   st.st_mode & 07777, strerror(errno));
	return 0;
}

static void identity_path(struct ctl *c, char path[PATH_MAX])
{
	snprintf(path, PATH_MAX, "%s/%s", c->root, SL_PIN_IDENTITY);
}

static int identity_write(struct ctl *c, const struct netns_id *me)
{
	struct sl_identity v = { .ns_dev = me->dev, .ns_ino = me->ino };
	char path[PATH_MAX];
	__u32 zero = 0;
	int fd, ret;

	snprintf(v.netns, sizeof(v.netns), "%s", c->netns_spec ? c->netns_spec : "");
	identity_path(c, path);
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, SL_PIN_IDENTITY, sizeof(zero), sizeof(v), 1, NULL);
	if (fd < 0)
		return errf("create map %s: %s", SL_PIN_IDENTITY, strerror(errno));
	ret = bpf_map_update_elem(fd, &zero, &v, BPF_ANY) || bpf_obj_pin(fd, path) ?
	      errf("pin %s: %s", path, strerror(errno)) : 0;
	close(fd);
	return ret;
}

int identity_check(struct ctl *c)
{
	struct sl_identity v;
	struct netns_id me;
	char path[PATH_MAX];
	__u32 zero = 0;
	int fd, ret;

	if (netns_self_id(&me))
		return -1;
	identity_path(c, path);
	fd = bpf_obj_get(path);
	if (fd < 0)	/* a new instance, or one made by a build before identities: adopt */
		return errno == ENOENT ? identity_write(c, &me) :
		       errf("map %s: %s", path, strerror(errno));
	ret = bpf_map_lookup_elem(fd, &zero, &v);
	close(fd);
	if (ret)
		return errf("read map %s: %s", path, strerror(errno));
	if (v.ns_dev == me.dev && v.ns_ino == me.ino)
		return 0;
	return errf("instance %s manages another network namespace (%s%s%s, inode %llu), not this "
		   "one (inode %llu): run it with --netns of that namespace", c->instance,
		   *v.netns ? "--netns " : "", *v.netns ? v.netns : "the one it was made in",
		   "", (unsigned long long)v.ns_ino, (unsigned long long)me.ino);
}

void identity_unpin(struct ctl *c)
{
	char path[PATH_MAX];

	identity_path(c, path);
	unlink(path);
	snprintf(path, sizeof(path), "%s/%s", c->root, SL_PIN_PORT_NS);
	unlink(path);
}

/* The instance's sl_port_ns, created on first use. */
static int port_ns_map(struct ctl *c, bool create)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", c->root, SL_PIN_PORT_NS);
	fd = bpf_obj_get(path);
	if (fd >= 0 || !create || errno != ENOENT)
		return fd;
	fd = bpf_map_create(BPF_MAP_TYPE_HASH, SL_PIN_PORT_NS, sizeof(__u32),
			    sizeof(struct port_ns), SL_PORTS_MAX, NULL);
	if (fd >= 0 && bpf_obj_pin(fd, path)) {
		close(fd);
		return -1;
	}
	return fd;
}

int port_ns_record(struct ctl *c, uint32_t key, const char *spec, int fd)
{
	struct port_ns v = { .nsid = -1 };
	struct stat st;
	int map, nsid;

	if (strlen(spec) >= sizeof(v.path))
		return errf("netns \"%.40s...\" is longer than %d characters", spec,
			   PORT_NS_PATH_MAX - 1);
	snprintf(v.path, sizeof(v.path), "%s", spec);	/* as given: netns_open() resolves it */
	if (fstat(fd, &st))
		return errf("netns %s: %s", spec, strerror(errno));
	v.dev = st.st_dev;
	v.ino = st.st_ino;
	nsid = nl_nsid_of(fd);
	if (nsid < 0)
		return -1;
	v.nsid = nsid;
	map = port_ns_map(c, true);
	if (map < 0)
		return errf("map %s: %s", SL_PIN_PORT_NS, strerror(errno));
	nsid = bpf_map_update_elem(map, &key, &v, BPF_ANY);
	close(map);
	return nsid ? errf("write map %s: %s", SL_PIN_PORT_NS, strerror(errno)) : 0;
}

int port_ns_get(struct ctl *c, uint32_t key, struct port_ns *v)
{
	int map = port_ns_map(c, false), ret;

	if (map < 0)
		return -ENOENT;
	ret = bpf_map_lookup_elem(map, &key, v) ? -ENOENT : 0;
	close(map);
	return ret;
}

void port_ns_forget(struct ctl *c, uint32_t key)
{
	int map = port_ns_map(c, false);

	if (map >= 0) {
		bpf_map_delete_elem(map, &key);
		close(map);
	}
}

const char *port_ns_spec(struct ctl *c, const struct sl_port *p, char buf[PORT_NS_PATH_MAX])
{
	struct port_ns v;

	if (port_ns_get(c, p->ifindex, &v))
		return p->netns;
	memcpy(buf, v.path, PORT_NS_PATH_MAX);
	buf[PORT_NS_PATH_MAX - 1] = 0;
	return buf;
}
