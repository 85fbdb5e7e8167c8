// SPDX-License-Identifier: MIT
/* Host macvlan ports: the LAN of a macvlan's parent joins the switch through
 * the macvlan. The parent gets bpf/lan_tc.bpf.c on both directions (pinned
 * links, or clsact filters before 6.6), and the sl_lan entry naming the port;
 * it goes promiscuous so that a NIC keeps frames for the switch's MACs. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "hook.h"
#include "netlink.h"
#include "port.h"
#include "lan_tc.skel.h"

#define LAN_MAP		"sl_lan"

static void lan_path(struct ctl *c, char *buf, const char *leaf)
{
	snprintf(buf, PATH_MAX, "%s/%s", c->root, leaf);
}

static const char *prog_pin(bool egress)
{
	return egress ? SL_PIN_PROG_LAN "_egress" : SL_PIN_PROG_LAN "_ingress";
}

/* The instance's LAN programs and map, loaded and pinned on first use. */
static int lan_load(struct ctl *c)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = c->root);
	struct lan_tc *skel;
	char path[PATH_MAX];
	int ret = -1;

	lan_path(c, path, prog_pin(true));
	if (!access(path, F_OK))
		return 0;
	skel = lan_tc__open_opts(&opts);
	if (!skel)
		return errf("open the LAN hook's BPF object: %s", strerror(errno));
	if (maps_reuse_pins(c, skel->obj) || lan_tc__load(skel)) {
		errf("load the LAN hook's BPF programs: %s (run with LIBBPF_LOG=1 for the "
		    "verifier log)", strerror(errno));
		goto out;
	}
	lan_path(c, path, prog_pin(false));
	if (bpf_program__pin(skel->progs.sl_lan_ingress, path))
		goto pin_fail;
	lan_path(c, path, prog_pin(true));
	if (bpf_program__pin(skel->progs.sl_lan_egress, path)) {
		char in[PATH_MAX];

		lan_path(c, in, prog_pin(false));
		unlink(in);
		goto pin_fail;
	}
	ret = 0;
	goto out;
pin_fail:
	errf("pin %s: %s", path, strerror(errno));
out:
	lan_tc__destroy(skel);
	return ret;
}

static int lan_hook(struct ctl *c, const struct sl_port *p, const char *dev, bool egress)
{
	char path[PATH_MAX], what[IF_NAMESIZE + 8];
	int prog, ret;

	lan_path(c, path, prog_pin(egress));
	prog = bpf_obj_get(path);
	if (prog < 0)
		return errf("program %s: %s", path, strerror(errno));
	snprintf(what, sizeof(what), "parent %s", dev);
	ret = hook_attach(c, egress ? HOOK_LAN_OUT : HOOK_LAN_IN, p->parent, p->parent, prog, what);
	close(prog);
	return ret;
}

static void lan_unhook(struct ctl *c, const struct sl_port *p, bool egress)
{
	hook_detach(c, egress ? HOOK_LAN_OUT : HOOK_LAN_IN, p->parent, p->parent);
}

/* On a macvlan parent's wire untagged means VLAN 1 (docs/macvlan.md): a LAN port
 * must not give untagged frames another VLAN. */
int lan_vlan_check(const struct sl_port *p)
{
	if (!p->pvid || p->pvid == SL_LAN_NATIVE_VID)
		return 0;
	return errf("port %s: untagged frames on a macvlan parent's wire are VLAN %u: a LAN port "
		   "is in VLAN %u, or a trunk with native %u or none", p->name, SL_LAN_NATIVE_VID,
		   SL_LAN_NATIVE_VID, SL_LAN_NATIVE_VID);
}

static int lan_map(struct ctl *c)
{
	char path[PATH_MAX];
	int fd;

	lan_path(c, path, LAN_MAP);
	fd = bpf_obj_get(path);
	if (fd < 0)
		errf("map %s: %s", path, strerror(errno));
	return fd;
}

int lan_attach(struct ctl *c, struct sl_port *p)
{
	struct nl_link_info li;
	char dev[IF_NAMESIZE] = "?";
	uint32_t parent = p->parent, other;
	struct sl_port o;
	int map, ret = -1;

	if (nl_link_get(parent, &li))
		return -1;
	snprintf(dev, sizeof(dev), "%s", li.name);
	if (lan_load(c))
		return -1;
	map = lan_map(c);
	if (map < 0)
		return -1;
	if (bpf_map_lookup_elem(map, &parent, &other) == 0) {
		if (bpf_map_lookup_elem(c->ports, &other, &o))
			snprintf(o.name, sizeof(o.name), "ifindex %u", other);
		errf("port %s: the LAN of %s already joins a switch through port %s", p->name, dev,
		    o.name);
		goto out;
	}
	if (bpf_map_update_elem(map, &parent, &p->ifindex, BPF_NOEXIST)) {
		errf("port %s: map %s: %s", p->name, LAN_MAP, strerror(errno));
		goto out;
	}
	if (lan_hook(c, p, dev, false) || lan_hook(c, p, dev, true))
		goto undo;
	if (!li.promisc) {
		if (nl_link_set_promisc(parent, true))
			goto undo;
		p->flags |= SL_PORT_F_PROMISC;
	}
	ret = 0;
	goto out;
undo:
	lan_unhook(c, p, true);
	lan_unhook(c, p, false);
	bpf_map_delete_elem(map, &parent);
out:
	close(map);
	return ret;
}

void lan_detach(struct ctl *c, const struct sl_port *p)
{
	uint32_t parent = p->parent, lan;
	int map = lan_map(c);

	if (map < 0)
		return;
	/* Only our own entry and hooks: a refused second port on the parent owns none. */
	if (bpf_map_lookup_elem(map, &parent, &lan) == 0 && lan == p->ifindex) {
		lan_unhook(c, p, true);
		lan_unhook(c, p, false);
		bpf_map_delete_elem(map, &parent);
		if (p->flags & SL_PORT_F_PROMISC)
			nl_link_set_promisc(parent, false);
	}
	close(map);
}

/* With the instance: the LAN programs and map (no parent is hooked any more). */
void lan_unpin(struct ctl *c)
{
	char path[PATH_MAX];

	lan_path(c, path, prog_pin(false));
	unlink(path);
	lan_path(c, path, prog_pin(true));
	unlink(path);
	lan_path(c, path, LAN_MAP);
	unlink(path);
}
