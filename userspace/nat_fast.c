// SPDX-License-Identifier: MIT
/* The NAT fast path's pinned objects: its outbound program, put into the switch ports'
 * tail-call slot while the NAT is loaded, its counters, and how they are shown. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "ctl.h"
#include "percpu.h"
#include "nat_ctl.h"
#include "output.h"
#include "sluice_nat_fast.h"
#include "nat_fast.skel.h"

static const char *const slow_names[SL_NAT_SLOW_MAX] = SL_NAT_SLOW_NAMES;

static void pin_path(struct ctl *c, char *buf, const char *leaf)
{
	snprintf(buf, PATH_MAX, "%s/%s", c->root, leaf);
}

/* Load the outbound program on the instance's maps and put it in the ports' slot. An
 * instance whose switch program predates the slot gets the inbound half only. */
int nat_fast_load(struct ctl *c)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = c->root);
	struct nat_fast *skel = nat_fast__open_opts(&opts);
	__u32 slot = SL_NAT_FAST_OUT;
	char path[PATH_MAX];
	int ret = -1, pa, fd;

	if (!skel)
		return errf("open the NAT fast path's BPF object: %s", strerror(errno));
	if (maps_reuse_pins(c, skel->obj) || nat_fast__load(skel)) {
		errf("load the NAT fast path: %s (run with LIBBPF_LOG=1 for the verifier log)",
		    strerror(errno));
		goto out;
	}
	pin_path(c, path, SL_PIN_PROG_NAT_FAST);
	if (bpf_program__pin(skel->progs.sl_nat_fast, path)) {
		errf("pin %s: %s", path, strerror(errno));
		goto out;
	}
	pin_path(c, path, SL_GW_PROG_MAP);
	pa = bpf_obj_get(path);
	if (pa < 0) {
		ret = 0;	/* switch programs of an older build: `sluice upgrade` brings it */
		goto out;
	}
	fd = bpf_program__fd(skel->progs.sl_nat_fast);
	ret = bpf_map_update_elem(pa, &slot, &fd, BPF_ANY) ? -errno : 0;
	close(pa);
	if (ret)
		errf("map %s: %s", path, strerror(-ret));
out:
	nat_fast__destroy(skel);
	return ret ? -1 : 0;
}

/* Point the ports' slot at the pinned program (after `sluice upgrade` replaced the pin), or
 * load one where an instance with NAT rules has none yet (made by a build before it). */
int nat_fast_sync(struct ctl *c)
{
	__u32 slot = SL_NAT_FAST_OUT;
	char path[PATH_MAX];
	int prog, pa, ret;

	if (!nat_loaded(c))
		return 0;
	pin_path(c, path, SL_PIN_PROG_NAT_FAST);
	prog = bpf_obj_get(path);
	if (prog < 0)
		return nat_fast_load(c);
	pin_path(c, path, SL_GW_PROG_MAP);
	pa = bpf_obj_get(path);
	if (pa < 0) {
		close(prog);
		return 0;	/* switch programs without the slot */
	}
	ret = bpf_map_update_elem(pa, &slot, &prog, BPF_ANY) ? -errno : 0;
	close(pa);
	close(prog);
	if (ret)
		return errf("map %s: %s", path, strerror(-ret));
	return 0;
}

/* Empty the ports' slot first: from then on no frame enters the program being unpinned. */
void nat_fast_unload(struct ctl *c)
{
	__u32 slot = SL_NAT_FAST_OUT;
	char path[PATH_MAX];
	int pa;

	pin_path(c, path, SL_GW_PROG_MAP);
	pa = bpf_obj_get(path);
	if (pa >= 0) {
		bpf_map_delete_elem(pa, &slot);
		close(pa);
	}
	pin_path(c, path, SL_PIN_PROG_NAT_FAST);
	unlink(path);
	pin_path(c, path, SL_NAT_FAST_STATS_MAP);
	unlink(path);
}

/* The slot's pin belongs to the switch's maps: gone with the instance. */
void nat_fast_unpin_slot(struct ctl *c)
{
	char path[PATH_MAX];

	pin_path(c, path, SL_GW_PROG_MAP);
	unlink(path);
	pin_path(c, path, SL_GW_XDP_PROG_MAP);
	unlink(path);
}

static json_object *slow_json(const __u64 *slow)
{
	json_object *o = json_object_new_object();

	for (int i = 0; i < SL_NAT_SLOW_MAX; i++)
		jadd_int(o, slow_names[i], slow[i]);
	return o;
}

/* Add the fast path's counters to the `nat stats` document O. */
int nat_fast_stats_add(struct ctl *c, json_object *o)
{
	struct sl_nat_fast_stats s;
	int fd;
	char path[PATH_MAX];
	json_object *f;

	pin_path(c, path, SL_NAT_FAST_STATS_MAP);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return 0;	/* loaded by an older build: no fast path to count */
	if (percpu_sum(fd, 0, &s, sizeof(s))) {
		close(fd);
		return errf("read map %s: %s", path, strerror(errno));
	}
	close(fd);
	f = json_object_new_object();
	jadd_int(f, "out_packets", s.fast[SL_NAT_FAST_DIR_OUT]);
	jadd_int(f, "in_packets", s.fast[SL_NAT_FAST_DIR_IN]);
	json_object_object_add(f, "slow_out", slow_json(s.slow[SL_NAT_FAST_DIR_OUT]));
	json_object_object_add(f, "slow_in", slow_json(s.slow[SL_NAT_FAST_DIR_IN]));
	json_object_object_add(o, "fastpath", f);
	return 0;
}
