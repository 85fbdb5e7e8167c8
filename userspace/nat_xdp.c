// SPDX-License-Identifier: MIT
/* The NAT uplink's XDP hook (`nat add ... xdp native|generic`): its program pinned beside
 * the tc hooks, its bpf_link pinned under links/ (so `upgrade` swaps it), its counters. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdbool.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "ctl.h"
#include "percpu.h"
#include "nat_ctl.h"
#include "netlink.h"
#include "output.h"
#include "sluice_nat_fast.h"
#include "nat_xdp.skel.h"

static const char *const slow_names[SL_NAT_SLOW_MAX] = SL_NAT_SLOW_NAMES;

static void pin_path(struct ctl *c, char *buf, const char *leaf)
{
	snprintf(buf, PATH_MAX, "%s/%s", c->root, leaf);
}

static void link_path(struct ctl *c, char *buf, int ifindex)
{
	snprintf(buf, PATH_MAX, "%s/%s/%d_nat_xdp", c->root, SL_PIN_LINKS, ifindex);
}

const char *nat_xdp_mode_name(__u32 flags)
{
	return flags & SL_NAT_F_XDP_NATIVE ? "native" : flags & SL_NAT_F_XDP_GENERIC ?
	       "generic" : "off";
}

/* Put program PROG (fd) into the XDP ports' slot, where the switch has one; -1: empty it. */
static int slot_set(struct ctl *c, int prog)
{
	__u32 slot = SL_NAT_FAST_OUT;
	char path[PATH_MAX];
	int pa, ret;

	pin_path(c, path, SL_GW_XDP_PROG_MAP);
	pa = bpf_obj_get(path);
	if (pa < 0)
		return 0;	/* switch programs of an older build: `sluice upgrade` brings it */
	if (prog < 0)
		ret = bpf_map_delete_elem(pa, &slot) && errno != ENOENT ? -errno : 0;
	else
		ret = bpf_map_update_elem(pa, &slot, &prog, BPF_ANY) ? -errno : 0;
	close(pa);
	if (ret)
		return errf("map %s: %s", path, strerror(-ret));
	return 0;
}

/* Some uplink has an XDP hook: only then do XDP ports tail-call the outbound program (else
 * each frame to a gateway would pay a FIB lookup for nothing before tc's fast path). */
static bool xdp_uplinks(struct ctl *c)
{
	char path[PATH_MAX];
	__u32 key;
	int fd;
	bool any;

	pin_path(c, path, SL_NAT_XDP_TX_MAP);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return false;
	any = bpf_map_get_next_key(fd, NULL, &key) == 0;
	close(fd);
	return any;
}

/* The slot holds the pinned outbound program while some uplink has an XDP hook. */
static int slot_sync(struct ctl *c)
{
	char path[PATH_MAX];
	int prog, ret;

	if (!xdp_uplinks(c))
		return slot_set(c, -1);
	pin_path(c, path, SL_PIN_PROG_NAT_XDP_OUT);
	prog = bpf_obj_get(path);
	if (prog < 0)
		return errf("program %s: %s", path, strerror(errno));
	ret = slot_set(c, prog);
	close(prog);
	return ret;
}

/* Load the programs on the instance's maps (its counters and uplink devmap created) and
 * pin them. */
int nat_xdp_load(struct ctl *c)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = c->root);
	struct nat_xdp *skel = nat_xdp__open_opts(&opts);
	char path[PATH_MAX];
	int ret = -1;

	if (!skel)
		return errf("open the NAT's XDP object: %s", strerror(errno));
	if (maps_reuse_pins(c, skel->obj) || nat_xdp__load(skel)) {
		errf("load the NAT's XDP programs: %s (run with LIBBPF_LOG=1 for the verifier log)",
		    strerror(errno));
		goto out;
	}
	pin_path(c, path, SL_PIN_PROG_NAT_XDP);
	if (bpf_program__pin(skel->progs.sl_nat_xdp, path))
		goto pin_fail;
	pin_path(c, path, SL_PIN_PROG_NAT_XDP_OUT);
	if (bpf_program__pin(skel->progs.sl_nat_xdp_out, path))
		goto pin_fail;
	ret = 0;
	goto out;
pin_fail:
	errf("pin %s: %s", path, strerror(errno));
out:
	nat_xdp__destroy(skel);
	return ret;
}

/* Point the XDP ports' slot at the pinned outbound program (after `sluice upgrade`
 * replaced the pin), or load the programs where an older build's NAT has none. */
int nat_xdp_sync(struct ctl *c)
{
	char path[PATH_MAX];

	if (!nat_loaded(c))
		return 0;
	pin_path(c, path, SL_PIN_PROG_NAT_XDP_OUT);
	if (access(path, F_OK) && nat_xdp_load(c))
		return -1;
	return slot_sync(c);
}

/* Empty the ports' slot first: from then on no frame enters the program being unpinned. */
void nat_xdp_unload(struct ctl *c)
{
	static const char *const leaves[] = { SL_PIN_PROG_NAT_XDP, SL_PIN_PROG_NAT_XDP_OUT,
					      SL_NAT_XDP_STATS_MAP, SL_NAT_XDP_TX_MAP };
	__u32 slot = SL_NAT_FAST_OUT;
	char path[PATH_MAX];
	int pa;

	pin_path(c, path, SL_GW_XDP_PROG_MAP);
	pa = bpf_obj_get(path);
	if (pa >= 0) {
		bpf_map_delete_elem(pa, &slot);
		close(pa);
	}
	for (size_t i = 0; i < sizeof(leaves) / sizeof(leaves[0]); i++) {
		pin_path(c, path, leaves[i]);
		unlink(path);
	}
}

/* Uplink IFINDEX as a redirect target of the XDP ports (ON), or no longer. */
static int tx_set(struct ctl *c, int ifindex, bool on)
{
	char path[PATH_MAX];
	__u32 key = ifindex;
	int fd, ret;

	pin_path(c, path, SL_NAT_XDP_TX_MAP);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return on ? errf("map %s: %s", path, strerror(errno)) : 0;
	/* The CLI is in the host netns it manages: the ifindex resolves there (FIELD-NOTES). */
	ret = on ? bpf_map_update_elem(fd, &key, &key, BPF_ANY) : bpf_map_delete_elem(fd, &key);
	ret = ret && (on || errno != ENOENT) ? -errno : 0;
	close(fd);
	if (ret)
		return errf("map %s: %s", path, strerror(-ret));
	return 0;
}

/* bpf_link_create reports an errno only: ask again through netlink for the driver's own
 * words (the extack), then take back an attach that unexpectedly worked. */
static int attach_error(int ifindex, const char *dev, int prog, __u32 mode, int errnum)
{
	char what[96];

	snprintf(what, sizeof(what), "nat uplink %s: attach XDP (%s)", dev,
		 mode == XDP_FLAGS_DRV_MODE ? "native" : "generic");
	if (nl_link_set_xdp(ifindex, prog, -1, mode | XDP_FLAGS_UPDATE_IF_NOEXIST, what) == 0) {
		nl_link_set_xdp(ifindex, -1, -1, mode, what);
		return errf("%s: %s", what, strerror(errnum));
	}
	return -1;
}

/* Hook uplink IFINDEX (device DEV) at XDP in the mode of rule flags FLAGS. */
int nat_xdp_attach(struct ctl *c, int ifindex, const char *dev, __u32 flags)
{
	__u32 mode = flags & SL_NAT_F_XDP_NATIVE ? XDP_FLAGS_DRV_MODE : XDP_FLAGS_SKB_MODE;
	LIBBPF_OPTS(bpf_link_create_opts, opts, .flags = mode);
	char path[PATH_MAX];
	int prog, fd, ret;

	link_path(c, path, ifindex);
	if (access(path, F_OK) == 0)
		return 0;	/* hooked already (another rule of this uplink came back first) */
	pin_path(c, path, SL_PIN_PROG_NAT_XDP);
	if (access(path, F_OK) && nat_xdp_load(c))	/* NAT loaded by an older build */
		return -1;
	prog = bpf_obj_get(path);
	if (prog < 0)
		return errf("program %s: %s", path, strerror(errno));
	fd = bpf_link_create(prog, ifindex, BPF_XDP, &opts);
	if (fd < 0) {
		ret = attach_error(ifindex, dev, prog, mode, errno);
		close(prog);
		return ret;
	}
	close(prog);
	link_path(c, path, ifindex);
	ret = bpf_obj_pin(fd, path) ? -errno : 0;
	close(fd);	/* unpinned, the link goes with its last fd */
	if (ret)
		return errf("pin %s: %s", path, strerror(-ret));
	if (tx_set(c, ifindex, true) || slot_sync(c)) {
		tx_set(c, ifindex, false);
		unlink(path);
		return -1;
	}
	return 0;
}

void nat_xdp_detach(struct ctl *c, int ifindex)
{
	char path[PATH_MAX];

	tx_set(c, ifindex, false);
	slot_sync(c);	/* the last XDP uplink: XDP ports stop calling in */
	link_path(c, path, ifindex);
	unlink(path);
}

/* Add the XDP hook's counters to the `nat stats` document O. */
int nat_xdp_stats_add(struct ctl *c, json_object *o)
{
	struct sl_nat_xdp_stats s;
	int fd;
	char path[PATH_MAX];
	json_object *x, *pass;

	pin_path(c, path, SL_NAT_XDP_STATS_MAP);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return 0;	/* loaded by an older build: no XDP hook to count */
	if (percpu_sum(fd, 0, &s, sizeof(s))) {
		close(fd);
		return errf("read map %s: %s", path, strerror(errno));
	}
	close(fd);
	x = json_object_new_object();
	for (int d = 0; d < 2; d++) {
		const char *dir = d == SL_NAT_FAST_DIR_OUT ? "out" : "in";
		char key[24];

		snprintf(key, sizeof(key), "%s_packets", dir);
		jadd_int(x, key, s.fast[d]);
		snprintf(key, sizeof(key), "no_flow_%s", dir);
		jadd_int(x, key, s.no_flow[d]);
		pass = json_object_new_object();
		for (int i = 0; i < SL_NAT_SLOW_MAX; i++)
			jadd_int(pass, slow_names[i], s.pass[d][i]);
		snprintf(key, sizeof(key), "pass_%s", dir);
		json_object_object_add(x, key, pass);
	}
	json_object_object_add(o, "xdp", x);
	return 0;
}
