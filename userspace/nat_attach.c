// SPDX-License-Identifier: MIT
/* The NAT's pinned objects: its programs and maps loaded once per instance (the connection
 * table sized then), and the uplink hooks: tcx links pinned under links/, clsact on < 6.6. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "ctl.h"
#include "netlink.h"
#include "nat_ctl.h"
#include "nat_tc.skel.h"
#include "sluice_nat_pub.h"

#ifndef BPF_TCX_INGRESS
#define BPF_TCX_INGRESS 46	/* kernel >= 6.6; Debian's libbpf 1.1 headers predate it */
#endif
#ifndef BPF_TCX_EGRESS
#define BPF_TCX_EGRESS 47
#endif



const char *const nat_map_names[NAT_MAPS] = {
	"sl_nat_rules", "sl_nat_cfg", "sl_nat_ct", "sl_nat_map", "sl_nat_rmap", "sl_nat_frag",
	"sl_nat_stats",
};

static void pin_path(struct ctl *c, char *buf, const char *leaf)
{
	snprintf(buf, PATH_MAX, "%s/%s", c->root, leaf);
}

bool nat_loaded(struct ctl *c)
{
	char path[PATH_MAX];

	pin_path(c, path, SL_PIN_PROG_NAT_EGRESS);
	return access(path, F_OK) == 0;
}

/* Fresh configuration: nf_conntrack's timeouts and a random port hash seed. */
static int cfg_init(int fd)
{
	const __u32 defaults[SL_NAT_ST_MAX] = SL_NAT_TIMEOUT_DEFAULTS;
	struct sl_nat_cfg cfg = {};
	__u32 zero = 0;
	FILE *f = fopen("/dev/urandom", "r");

	if (!f || fread(&cfg.seed, sizeof(cfg.seed), 1, f) != 1)
		cfg.seed = (__u32)getpid();
	if (f)
		fclose(f);
	memcpy(cfg.timeout, defaults, sizeof(defaults));
	return bpf_map_update_elem(fd, &zero, &cfg, BPF_ANY) ? -errno : 0;
}

int nat_load(struct ctl *c, uint32_t flows)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = c->root);
	struct nat_tc *skel = nat_tc__open_opts(&opts);
	char path[PATH_MAX];
	int ret = -1;

	if (!skel)
		return err("open the NAT's BPF object: %s", strerror(errno));
	if (bpf_map__set_max_entries(skel->maps.sl_nat_ct, 2 * flows) ||
	    bpf_map__set_max_entries(skel->maps.sl_nat_map, flows) ||
	    bpf_map__set_max_entries(skel->maps.sl_nat_rmap, flows)) {
		err("size the NAT tables for %u connections: %s", flows, strerror(errno));
		goto out;
	}
	if (maps_reuse_pins(c, skel->obj) || nat_tc__load(skel)) {
		const char *lacks = prereq_kernel_missing();

		err("load the NAT programs: %s", lacks ? lacks : strerror(errno));
		goto unpin;
	}
	if (cfg_init(bpf_map__fd(skel->maps.sl_nat_cfg))) {
		err("write map sl_nat_cfg: %s", strerror(errno));
		goto unpin;
	}
	pin_path(c, path, SL_PIN_PROG_NAT_EGRESS);
	if (bpf_program__pin(skel->progs.sl_nat_egress, path))
		goto pin_fail;
	pin_path(c, path, SL_PIN_PROG_NAT_INGRESS);
	if (bpf_program__pin(skel->progs.sl_nat_ingress, path))
		goto pin_fail;
	if (nat_fast_load(c) || nat_xdp_load(c))
		goto unpin;
	pin_path(c, path, SL_PIN_PROG_NAT_GUARD);
	if (bpf_program__pin(skel->progs.sl_nat_guard, path))
		goto pin_fail;
	ret = 0;
	goto out;
pin_fail:
	err("pin %s: %s", path, strerror(errno));
unpin:
	nat_unload(c);
out:
	nat_tc__destroy(skel);
	return ret;
}

void nat_unload(struct ctl *c)
{
	char path[PATH_MAX];

	nat_fast_unload(c);
	nat_xdp_unload(c);
	pin_path(c, path, SL_PIN_PROG_NAT_EGRESS);
	unlink(path);
	pin_path(c, path, SL_PIN_PROG_NAT_INGRESS);
	unlink(path);
	for (int i = 0; i < NAT_MAPS; i++) {
		pin_path(c, path, nat_map_names[i]);
		unlink(path);
	}
	pin_path(c, path, SL_NAT_PUB_MAP);
	unlink(path);
	pin_path(c, path, NAT_LOCAL_MAP);
	unlink(path);
	nat_guard_unpin(c);
}

static void link_path(struct ctl *c, char *buf, int ifindex, const char *kind)
{
	snprintf(buf, PATH_MAX, "%s/%s/%d_%s", c->root, SL_PIN_LINKS, ifindex, kind);
}

static int hook_attach(struct ctl *c, int ifindex, const char *dev, bool egress)
{
	const char *kind = egress ? "nat_egress" : "nat_ingress";
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
		    .attach_point = egress ? BPF_TC_EGRESS : BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, tco, .handle = TC_HANDLE_NAT, .priority = TC_PRIO_NAT);
	char path[PATH_MAX];
	int prog, fd, ret;

	pin_path(c, path, egress ? SL_PIN_PROG_NAT_EGRESS : SL_PIN_PROG_NAT_INGRESS);
	prog = bpf_obj_get(path);
	if (prog < 0)
		return err("program %s: %s", path, strerror(errno));
	fd = bpf_link_create(prog, ifindex, egress ? BPF_TCX_EGRESS : BPF_TCX_INGRESS, NULL);
	if (fd >= 0) {
		link_path(c, path, ifindex, kind);
		ret = bpf_obj_pin(fd, path) ? -errno : 0;
		close(fd);
		close(prog);
		if (ret)
			return err("pin %s: %s", path, strerror(-ret));
		return 0;
	}
	/* No tcx (kernel < 6.6): a clsact direct-action filter, which persists by itself. */
	tco.prog_fd = prog;
	ret = bpf_tc_hook_create(&hook);
	if (ret && ret != -EEXIST) {
		close(prog);
		return err("uplink %s: create clsact: %s", dev, strerror(-ret));
	}
	ret = bpf_tc_attach(&hook, &tco);
	close(prog);
	if (ret)
		return err("uplink %s: attach tc %s program: %s", dev, kind, strerror(-ret));
	return 0;
}

static void hook_detach(struct ctl *c, int ifindex, bool egress)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
		    .attach_point = egress ? BPF_TC_EGRESS : BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, tco, .handle = TC_HANDLE_NAT, .priority = TC_PRIO_NAT);
	LIBBPF_OPTS(bpf_tc_opts, old, .handle = TC_HANDLE_NAT, .priority = TC_PRIO_NAT_OLD);
	char path[PATH_MAX];

	link_path(c, path, ifindex, egress ? "nat_egress" : "nat_ingress");
	if (unlink(path) && errno == ENOENT && bpf_tc_detach(&hook, &tco))
		bpf_tc_detach(&hook, &old);	/* the clsact filter, if any */
}

int nat_uplink_attach(struct ctl *c, int ifindex, const char *dev)
{
	if (hook_attach(c, ifindex, dev, true))
		return -1;
	if (hook_attach(c, ifindex, dev, false) || nat_uplink_mark(c, ifindex, true)) {
		hook_detach(c, ifindex, false);
		hook_detach(c, ifindex, true);
		return -1;
	}
	return 0;
}

void nat_uplink_detach(struct ctl *c, int ifindex)
{
	nat_uplink_mark(c, ifindex, false);
	nat_xdp_detach(c, ifindex);
	hook_detach(c, ifindex, false);
	hook_detach(c, ifindex, true);
}

bool nat_uplink_hooked(struct ctl *c, int ifindex, const char *dev)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, tco, .handle = TC_HANDLE_NAT, .priority = TC_PRIO_NAT);
	struct bpf_link_info info = {};
	__u32 len = sizeof(info);
	struct nl_link_info li;
	char path[PATH_MAX];
	int fd;
	bool ret;

	if (nl_link_get(ifindex, &li) || strcmp(li.name, dev))
		return false;
	link_path(c, path, ifindex, "nat_egress");
	fd = bpf_obj_get(path);
	if (fd < 0)	/* kernels without tcx: the clsact filter, if there is one */
		return bpf_tc_query(&hook, &tco) == 0;
	/* tcx.ifindex (0 once detached) sits where xdp.ifindex does; libbpf 1.1's uapi
	 * header predates tcx */
	ret = !bpf_obj_get_info_by_fd(fd, &info, &len) && info.xdp.ifindex == (__u32)ifindex;
	close(fd);
	return ret;
}
