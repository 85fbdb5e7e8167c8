// SPDX-License-Identifier: MIT
/* `sluice fdb`: the (switch, VLAN, MAC) -> port table: show, static add/del,
 * flush; and the helpers that clear a port's entries and age learned ones. */
#include <errno.h>
#include <limits.h>
#include <unistd.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include "ctl.h"
#include "output.h"
#include "parse.h"
#include "vxlan.h"

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);	/* bpf_ktime_get_ns()'s clock */
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* Tell the datapath's learn caches (sluice.h) that the FDB changed: each CPU learns its
 * sources again with their next frame. An instance made before the caches has no counter
 * and no cache. A move bumped by the datapath between our read and write is not lost in
 * effect: the value still differs from every cache entry made before our change. */
void fdb_gen_bump(struct ctl *c)
{
	char path[PATH_MAX];
	uint32_t zero = 0, gen;
	int fd;

	snprintf(path, sizeof(path), "%s/sl_fdb_gen", c->root);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return;
	if (!bpf_map_lookup_elem(fd, &zero, &gen)) {
		gen++;
		bpf_map_update_elem(fd, &zero, &gen, BPF_ANY);
	}
	close(fd);
}

void fdb_cache_unpin(struct ctl *c)
{
	static const char *const names[] = { "sl_learn_cache", "sl_fdb_gen" };

	pins_unlink(c, names, sizeof(names) / sizeof(names[0]));
}

/* Delete entries for which DROP says so; returns how many went. */
int fdb_delete_if(struct ctl *c, bool (*drop)(const struct sl_fdb_key *,
						     const struct sl_fdb_entry *, const void *),
			 const void *arg)
{
	struct sl_fdb_key k, next;
	struct sl_fdb_entry e;
	bool first = true;
	int n = 0;

	while (bpf_map_get_next_key(c->fdb, first ? NULL : &k, &next) == 0) {
		if (!bpf_map_lookup_elem(c->fdb, &next, &e) && drop(&next, &e, arg) &&
		    !bpf_map_delete_elem(c->fdb, &next)) {
			n++;
			continue;	/* K still names the entry before the deleted one */
		}
		first = false;
		k = next;
	}
	if (n)
		fdb_gen_bump(c);
	return n;
}

static bool on_port(const struct sl_fdb_key *k, const struct sl_fdb_entry *e, const void *arg)
{
	return e->ifindex == *(const uint32_t *)arg;
}

int fdb_flush_port(struct ctl *c, uint32_t ifindex)
{
	return fdb_delete_if(c, on_port, &ifindex);
}

struct age_arg {
	uint64_t now, max_age;
};

static bool too_old(const struct sl_fdb_key *k, const struct sl_fdb_entry *e, const void *arg)
{
	const struct age_arg *a = arg;

	return !(e->flags & SL_FDB_F_STATIC) && a->now > e->last_seen &&
	       a->now - e->last_seen > a->max_age;
}

int fdb_age_sweep(struct ctl *c, uint64_t max_age_ns)
{
	struct age_arg a = { now_ns(), max_age_ns };

	return fdb_delete_if(c, too_old, &a);
}

/* What flush and show select: a switch, a port, a VLAN, dynamic entries only. */
struct fdb_filter {
	uint32_t switch_id, ifindex;
	uint16_t vid;
	bool dynamic;
};

static bool filter_match(const struct sl_fdb_key *k, const struct sl_fdb_entry *e,
			 const void *arg)
{
	const struct fdb_filter *f = arg;

	return (!f->switch_id || k->switch_id == f->switch_id) &&
	       (!f->ifindex || e->ifindex == f->ifindex) && (!f->vid || k->vid == f->vid) &&
	       (!f->dynamic || !(e->flags & SL_FDB_F_STATIC));
}

static int parse_filter(struct ctl *c, int argc, char **argv, struct fdb_filter *f)
{
	struct sl_switch sw;
	struct sl_port p;

	for (int i = 0; i < argc; i++) {
		const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(k, "dynamic")) {
			f->dynamic = true;
			continue;
		}
		if (strcmp(k, "switch") && strcmp(k, "port") && strcmp(k, "vlan"))
			return errf("fdb: unknown option \"%s\" (switch SW, port P, vlan VID, dynamic)",
				   k);
		if (!v)
			return errf("fdb: \"%s\" needs a value", k);
		i++;
		if (!strcmp(k, "switch")) {
			if (switch_get(c, v, &sw))
				return errf("switch %s does not exist", v);
			f->switch_id = sw.id;
		} else if (!strcmp(k, "port")) {
			if (port_get_by_name(c, v, &p))
				return errf("port %s does not exist", v);
			f->ifindex = p.ifindex;
		} else if (!strcmp(k, "vlan")) {
			if (parse_vid(v, &f->vid))
				return errf("vlan \"%s\" is not a VLAN id (1-4094)", v);
		} else {
			return errf("fdb: unknown option \"%s\"", k);
		}
	}
	return 0;
}

/* ifindex -> port name and switch id -> name, cached: a 10k-entry table has few of each. */
struct name_cache {
	struct { uint32_t id; char name[SL_NAME_LEN]; } port[64], sw[16];
	int nport, nsw;
};

static const char *cached_port_name(struct ctl *c, struct name_cache *nc, uint32_t ifx)
{
	struct sl_port p;
	int i;

	for (i = 0; i < nc->nport; i++)
		if (nc->port[i].id == ifx)
			return nc->port[i].name;
	i = nc->nport < 64 ? nc->nport++ : 63;
	nc->port[i].id = ifx;
	snprintf(nc->port[i].name, SL_NAME_LEN, "?");
	if (!bpf_map_lookup_elem(c->ports, &ifx, &p))
		memcpy(nc->port[i].name, p.name, SL_NAME_LEN);
	return nc->port[i].name;
}

static const char *cached_switch_name(struct ctl *c, struct name_cache *nc, uint32_t id)
{
	int i;

	for (i = 0; i < nc->nsw; i++)
		if (nc->sw[i].id == id)
			return nc->sw[i].name;
	i = nc->nsw < 16 ? nc->nsw++ : 15;
	nc->sw[i].id = id;
	return switch_name_of(c, id, nc->sw[i].name);
}

static void fdb_show_one(struct ctl *c, struct name_cache *nc, const struct sl_fdb_key *k,
			 const struct sl_fdb_entry *e, uint64_t now)
{
	json_object *o = json_object_new_object();
	char mac[18];

	format_mac(k->mac, mac);
	jadd_str(o, "mac", mac);
	jadd_str(o, "switch", cached_switch_name(c, nc, k->switch_id));
	jadd_int(o, "vlan", k->vid);
	jadd_str(o, "port", cached_port_name(c, nc, e->ifindex));
	jadd_str(o, "type", e->flags & SL_FDB_F_STATIC ? "static" : "learned");
	if (!(e->flags & SL_FDB_F_STATIC))
		jadd_int(o, "age", now > e->last_seen ? (now - e->last_seen) / 1000000000ULL : 0);
	if (SL_FDB_REMOTE(e->flags)) {
		char ip[16];

		vxlan_remote_format(c, e->ifindex, SL_FDB_REMOTE(e->flags), ip);
		jadd_str(o, "remote", ip);
	}
	output_stream_item(o);
}

#define FDB_CHUNK 1024

/* Entries are read FDB_CHUNK at a time (bpf_map_lookup_batch) and printed as they come,
 * instead of two syscalls per entry and one json-c tree of the whole table. */
static int fdb_show_entries(struct ctl *c, const struct fdb_filter *f)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	static struct sl_fdb_key keys[FDB_CHUNK];
	static struct sl_fdb_entry vals[FDB_CHUNK];
	struct name_cache nc = {};
	uint64_t now = now_ns();
	uint32_t batch, n;
	void *in = NULL;
	int ret;

	output_stream_begin();
	do {
		n = FDB_CHUNK;
		ret = bpf_map_lookup_batch(c->fdb, in, &batch, keys, vals, &n, &opts);
		if (ret && errno != ENOENT) {
			output_stream_end();
			return errf("map sl_fdb: batch read: %s", strerror(errno));
		}
		for (uint32_t i = 0; i < n; i++)
			if (filter_match(&keys[i], &vals[i], f))
				fdb_show_one(c, &nc, &keys[i], &vals[i], now);
		in = &batch;
	} while (!ret);
	output_stream_end();
	return 0;
}

static int fdb_show(struct ctl *c, int argc, char **argv)
{
	struct fdb_filter f = {};
	int q = instance_open_read(c);

	if (q == 1 && argc == 0) {
		output_print(json_object_new_array());
		return 0;
	}
	if (q == 1)	/* a filter names a switch or port that cannot exist: say which */
		return instance_open(c, false);
	if (q < 0 || parse_filter(c, argc, argv, &f))
		return -1;
	return fdb_show_entries(c, &f);
}

/* fdb add|del SWITCH MAC [port PORT] [vlan VID] */
static int fdb_change(struct ctl *c, int argc, char **argv, bool add)
{
	struct sl_fdb_key k = {};
	struct sl_fdb_entry e = { .flags = SL_FDB_F_STATIC };
	struct sl_switch sw;
	struct sl_port p;
	const char *port = NULL, *remote = NULL;
	uint16_t vid = 0;	/* not given: the port's VLAN (add), VLAN 1 (del) */
	uint32_t raddr = 0;
	int ridx;

	if (argc < 2)
		return errf("usage: sluice fdb %s SWITCH MAC %s[vlan VID]", add ? "add" : "del",
			   add ? "port PORT [remote IP] " : "");
	if (parse_mac(argv[1], k.mac))
		return errf("mac \"%s\" is not a MAC address such as 02:00:00:00:00:01", argv[1]);
	if (k.mac[0] & 1)
		return errf("mac %s is a multicast address: the FDB holds unicast MACs", argv[1]);
	if (add && !memcmp(k.mac, "\0\0\0\0\0\0", 6))
		return errf("mac %s is the zero address: no frame comes from it", argv[1]);
	for (int i = 2; i < argc; i++) {
		if (i + 1 >= argc)
			return errf("fdb: \"%s\" needs a value", argv[i]);
		if (!strcmp(argv[i], "port") && add)
			port = argv[++i];
		else if (!strcmp(argv[i], "remote") && add) {
			remote = argv[++i];
			if (parse_ipv4(remote, &raddr))
				return errf("remote \"%s\" is not an IPv4 address", remote);
		}
		else if (!strcmp(argv[i], "vlan")) {
			if (parse_vid(argv[++i], &vid))
				return errf("vlan \"%s\" is not a VLAN id (1-4094)", argv[i]);
		} else
			return errf("fdb: unknown option \"%s\"", argv[i]);
	}
	if (add && !port)
		return errf("fdb add: which port? (port PORT)");
	if (instance_open(c, false))
		return -1;
	if (switch_get(c, argv[0], &sw))
		return errf("switch %s does not exist", argv[0]);
	k.switch_id = sw.id;
	k.vid = vid ? vid : SL_VLAN_DEFAULT;
	if (!add) {
		if (bpf_map_delete_elem(c->fdb, &k))
			return errf("fdb: %s vlan %u is not in switch %s", argv[1], k.vid, argv[0]);
		return 0;
	}
	if (port_get_by_name(c, port, &p))
		return errf("port %s does not exist", port);
	if (p.switch_id != sw.id)
		return errf("port %s is not on switch %s", port, argv[0]);
	if (p.flags & SL_PORT_F_ENDPOINT)
		return errf("port %s is a macvlan endpoint: the switch reaches its MACs through its "
			   "parent's LAN port", port);
	if ((p.flags & SL_PORT_F_VXLAN) && !remote)
		return errf("port %s is a VXLAN port: which host has %s? (remote IP)", port, argv[1]);
	if (!(p.flags & SL_PORT_F_VXLAN) && remote)
		return errf("remote %s: port %s is not a VXLAN port", remote, port);
	if (remote) {
		ridx = vxlan_remote_index(c, p.ifindex, raddr);
		if (ridx < 0)
			return errf("remote %s is not a remote of port %s", remote, port);
		e.flags |= (uint32_t)ridx << SL_FDB_REMOTE_SHIFT;
	}
	if (!vid && (p.flags & SL_PORT_F_VXLAN) && !p.pvid)
		vid = SL_VLAN_DEFAULT;	/* an overlay port's VNI carries VLAN 1 unless mapped */
	if (!vid && p.mode == SL_MODE_TRUNK && !p.pvid)
		return errf("fdb add: port %s is a trunk without a native VLAN: give vlan VID", port);
	k.vid = vid ? vid : p.pvid;	/* an access port's VLAN, a trunk's native one */
	if (!(p.mode == SL_MODE_ACCESS ? p.pvid == k.vid :
	      p.pvid == k.vid || (p.vids[k.vid / 64] >> (k.vid % 64) & 1)))
		return errf("fdb add: port %s is not in VLAN %u", port, k.vid);
	e.ifindex = p.ifindex;
	e.flags |= SL_FDB_F_SLOT(p.slot);
	if (bpf_map_update_elem(c->fdb, &k, &e, BPF_ANY))
		return errf("fdb add %s: map sl_fdb: %s", argv[1], strerror(errno));
	return 0;
}

static int fdb_flush(struct ctl *c, int argc, char **argv)
{
	struct fdb_filter f = {};

	if (instance_open(c, false) || parse_filter(c, argc, argv, &f))
		return -1;
	fdb_delete_if(c, filter_match, &f);
	return 0;
}

int cmd_fdb(struct ctl *c, int argc, char **argv)
{
	bool add;

	if (argc < 1 || matches(argv[0], "show") || matches(argv[0], "list"))
		return fdb_show(c, argc > 0 ? argc - 1 : 0, argv + 1);
	add = matches(argv[0], "add");
	if (add || matches(argv[0], "del") || matches(argv[0], "delete")) {
		if (fdb_change(c, argc - 1, argv + 1, add))
			return -1;
		fdb_gen_bump(c);	/* the learn caches forget what they skipped */
		return 0;
	}
	if (matches(argv[0], "flush"))
		return fdb_flush(c, argc - 1, argv + 1);
	return errf("fdb: unknown command \"%s\" (show, add, del, flush)", argv[0]);
}
