// SPDX-License-Identifier: MIT
/* The NAT uplink's XDP hook (`nat add ... xdp native|generic`): its program pinned beside
 * the tc hooks, its bpf_link pinned under links/ (so `upgrade` swaps it), its counters. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "ctl.h"
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

/* Load the program on the instance's maps (its counters created) and pin it. */
int nat_xdp_load(struct ctl *c)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = c->root);
	struct nat_xdp *skel = nat_xdp__open_opts(&opts);
	char path[PATH_MAX];
	int ret = -1;

	if (!skel)
		return err("open the NAT's XDP object: %s", strerror(errno));
	if (maps_reuse_pins(c, skel->obj) || nat_xdp__load(skel)) {
		err("load the NAT's XDP program: %s (run with LIBBPF_LOG=1 for the verifier log)",
		    strerror(errno));
		goto out;
	}
	pin_path(c, path, SL_PIN_PROG_NAT_XDP);
	if (bpf_program__pin(skel->progs.sl_nat_xdp, path))
		err("pin %s: %s", path, strerror(errno));
	else
		ret = 0;
out:
	nat_xdp__destroy(skel);
	return ret;
}

void nat_xdp_unload(struct ctl *c)
{
	char path[PATH_MAX];

	pin_path(c, path, SL_PIN_PROG_NAT_XDP);
	unlink(path);
	pin_path(c, path, SL_NAT_XDP_STATS_MAP);
	unlink(path);
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
		return err("%s: %s", what, strerror(errnum));
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

	pin_path(c, path, SL_PIN_PROG_NAT_XDP);
	if (access(path, F_OK) && nat_xdp_load(c))	/* NAT loaded by an older build */
		return -1;
	prog = bpf_obj_get(path);
	if (prog < 0)
		return err("program %s: %s", path, strerror(errno));
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
		return err("pin %s: %s", path, strerror(-ret));
	return 0;
}

void nat_xdp_detach(struct ctl *c, int ifindex)
{
	char path[PATH_MAX];

	link_path(c, path, ifindex);
	unlink(path);
}

/* Add the XDP hook's counters to the `nat stats` document O. */
int nat_xdp_stats_add(struct ctl *c, json_object *o)
{
	int ncpu = libbpf_num_possible_cpus(), fd;
	struct sl_nat_xdp_stats *per, s = {};
	char path[PATH_MAX];
	json_object *x, *pass;
	__u32 zero = 0;

	pin_path(c, path, SL_NAT_XDP_STATS_MAP);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return 0;	/* loaded by an older build: no XDP hook to count */
	per = calloc(ncpu, sizeof(*per));
	if (!per || bpf_map_lookup_elem(fd, &zero, per)) {
		free(per);
		close(fd);
		return err("read map %s: %s", path, strerror(errno));
	}
	close(fd);
	for (int i = 0; i < ncpu; i++)
		for (size_t w = 0; w < sizeof(s) / sizeof(__u64); w++)
			((__u64 *)&s)[w] += ((__u64 *)&per[i])[w];
	free(per);
	x = json_object_new_object();
	jadd_int(x, "in_packets", s.fast);
	jadd_int(x, "no_flow", s.no_flow);
	pass = json_object_new_object();
	for (int i = 0; i < SL_NAT_SLOW_MAX; i++)
		jadd_int(pass, slow_names[i], s.pass[i]);
	json_object_object_add(x, "pass", pass);
	json_object_object_add(o, "xdp", x);
	return 0;
}
