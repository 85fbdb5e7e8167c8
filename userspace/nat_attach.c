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
#include "hook.h"
#include "netlink.h"
#include "nat_ctl.h"
#include "sluice_nat6.h"
#include "nat_tc.skel.h"
#include "sluice_nat_pub.h"

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
		return errf("open the NAT's BPF object: %s", strerror(errno));
	if (bpf_map__set_max_entries(skel->maps.sl_nat_ct, 2 * flows) ||
	    bpf_map__set_max_entries(skel->maps.sl_nat_map, flows) ||
	    bpf_map__set_max_entries(skel->maps.sl_nat_rmap, flows) ||
	    /* nat66: the IPv6 twins hold as many (docs/ipv6.md) */
	    bpf_map__set_max_entries(skel->maps.sl_nat6_ct, 2 * flows) ||
	    bpf_map__set_max_entries(skel->maps.sl_nat6_map, flows) ||
	    bpf_map__set_max_entries(skel->maps.sl_nat6_rmap, flows)) {
		errf("size the NAT tables for %u connections: %s", flows, strerror(errno));
		goto out;
	}
	if (maps_reuse_pins(c, skel->obj) || nat_tc__load(skel)) {
		const char *lacks = prereq_kernel_missing();

		errf("load the NAT programs: %s", lacks ? lacks : strerror(errno));
		goto unpin;
	}
	if (cfg_init(bpf_map__fd(skel->maps.sl_nat_cfg))) {
		errf("write map sl_nat_cfg: %s", strerror(errno));
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
	errf("pin %s: %s", path, strerror(errno));
unpin:
	nat_unload(c);
out:
	nat_tc__destroy(skel);
	return ret;
}

static const char *const nat6_names[] = { SL_NAT6_MAP_NAMES };

void nat_unload(struct ctl *c)
{
	char path[PATH_MAX];

	nat_hostpub_detach(c);	/* its programs read the maps below */
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
	for (size_t i = 0; i < sizeof(nat6_names) / sizeof(nat6_names[0]); i++) {
		pin_path(c, path, nat6_names[i]);
		unlink(path);
	}
	pin_path(c, path, SL_NAT_PUB_MAP);
	unlink(path);
	pin_path(c, path, NAT_LOCAL_MAP);
	unlink(path);
	pin_path(c, path, SL_NAT_GW_MAP);	/* gateway addresses of the hairpin */
	unlink(path);
	/* fragments: the held-datagram, daemon control and event maps (nat_frag.h) */
	for (int i = 0; i < 3; i++) {
		static const char *const frag_maps[] = {
			"sl_nat_frag_held", "sl_nat_frag_ctl", "sl_nat_frag_ev",
		};

		pin_path(c, path, frag_maps[i]);
		unlink(path);
	}
	nat_guard_unpin(c);
}

static int hook_attach_nat(struct ctl *c, int ifindex, const char *dev, bool egress)
{
	char path[PATH_MAX], what[IF_NAMESIZE + 8];
	int prog, ret;

	pin_path(c, path, egress ? SL_PIN_PROG_NAT_EGRESS : SL_PIN_PROG_NAT_INGRESS);
	prog = bpf_obj_get(path);
	if (prog < 0)
		return errf("program %s: %s", path, strerror(errno));
	snprintf(what, sizeof(what), "uplink %s", dev);
	ret = hook_attach(c, egress ? HOOK_NAT_OUT : HOOK_NAT_IN, ifindex, ifindex, prog, what);
	close(prog);
	return ret;
}

static void hook_detach_nat(struct ctl *c, int ifindex, bool egress)
{
	hook_detach(c, egress ? HOOK_NAT_OUT : HOOK_NAT_IN, ifindex, ifindex);
}

int nat_uplink_attach(struct ctl *c, int ifindex, const char *dev)
{
	if (hook_attach_nat(c, ifindex, dev, true))
		return -1;
	if (hook_attach_nat(c, ifindex, dev, false) || nat_uplink_mark(c, ifindex, true)) {
		hook_detach_nat(c, ifindex, false);
		hook_detach_nat(c, ifindex, true);
		return -1;
	}
	return 0;
}

void nat_uplink_detach(struct ctl *c, int ifindex)
{
	nat_uplink_mark(c, ifindex, false);
	nat_xdp_detach(c, ifindex);
	hook_detach_nat(c, ifindex, false);
	hook_detach_nat(c, ifindex, true);
}

bool nat_uplink_hooked(struct ctl *c, int ifindex, const char *dev)
{
	struct nl_link_info li;
	char path[PATH_MAX];

	if (nl_link_get(ifindex, &li) || strcmp(li.name, dev))
		return false;
	hook_link_path(c, path, HOOK_NAT_OUT, ifindex);
	if (access(path, F_OK))	/* kernels without tcx: the clsact filter, if there is one */
		return hook_filtered(HOOK_NAT_OUT, ifindex);
	return hook_linked(c, HOOK_NAT_OUT, ifindex, ifindex);
}
