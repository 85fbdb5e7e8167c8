// SPDX-License-Identifier: MIT
/* `sluice upgrade`: swaps the running programs for this build's in place, without a lost
 * frame: new programs on the pinned maps, bpf_link_update on every pinned link (the swaps and
 * their undo journal are upgrade_swap.c's). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "build_info.h"
#include "ctl.h"
#include "hook.h"
#include "output.h"
#include "sluice_nat.h"
#include "switch_tc.skel.h"
#include "switch_xdp.skel.h"
#include "nat_tc.skel.h"
#include "nat_fast.skel.h"
#include "nat_xdp.skel.h"
#include "lan_tc.skel.h"
#include "hostpub.skel.h"
#include "port.h"
#include "identity.h"
#include "nat_ctl.h"
#include "upgrade_swap.h"

/* Keep OBJ's programs (by fd) past the skeleton's destruction. */
static int new_progs_take(struct upgrade *u, struct bpf_object *obj)
{
	struct bpf_program *p;

	bpf_object__for_each_program(p, obj) {
		struct new_prog *n = &u->np[u->nnp];

		if (u->nnp == NEW_PROGS_MAX)
			return errf("upgrade: more than %d programs", NEW_PROGS_MAX);
		n->fd = dup(bpf_program__fd(p));
		if (n->fd < 0 || prog_name_of(n->fd, n->name))
			return errf("upgrade: program %s: %s", bpf_program__name(p), strerror(errno));
		u->nnp++;
	}
	return 0;
}

/* This build's programs on the pinned maps; maps the build adds are created and pinned. */
static int new_progs_load(struct ctl *c, struct upgrade *u)
{
	struct switch_objs o;
	int ret;

	if (switch_objs_load(c, &o, "maps changed layout?"))
		return -1;
	ret = new_progs_take(u, o.tc->obj) || new_progs_take(u, o.xdp->obj) ? -1 : 0;
	switch_objs_destroy(&o);
	return ret;
}

/* The programs of an object the instance holds only while it is in use (the NAT, the LAN
 * hook), only where its pin PIN exists: loading them elsewhere would create and pin their
 * maps at default sizes. ELF/SZ: the skeleton's embedded object, named NAME. */
static int new_optional_progs_load(struct ctl *c, struct upgrade *u, const char *pin,
				   const char *name, const void *elf, size_t sz)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = c->root, .object_name = name);
	char path[PATH_MAX];
	struct bpf_object *obj;
	int ret = -1;

	snprintf(path, sizeof(path), "%s/%s", c->root, pin);
	if (access(path, F_OK))
		return 0;
	obj = bpf_object__open_mem(elf, sz, &opts);
	if (!obj)
		return errf("open BPF object %s: %s", name, strerror(errno));
	if (maps_reuse_pins(c, obj) || bpf_object__load(obj))
		errf("load BPF object %s: %s (maps changed layout? run with LIBBPF_LOG=1 for the "
		    "verifier log)", name, strerror(errno));
	else
		ret = new_progs_take(u, obj);
	bpf_object__close(obj);
	return ret;
}

static int new_nat_lan_progs_load(struct ctl *c, struct upgrade *u)
{
	size_t nat_sz, fast_sz, xdp_sz, lan_sz, hp_sz;
	const void *hp = hostpub__elf_bytes(&hp_sz);
	const void *nat = nat_tc__elf_bytes(&nat_sz), *lan = lan_tc__elf_bytes(&lan_sz);
	const void *fast = nat_fast__elf_bytes(&fast_sz), *xdp = nat_xdp__elf_bytes(&xdp_sz);

	return new_optional_progs_load(c, u, SL_PIN_PROG_NAT_EGRESS, "nat_tc", nat, nat_sz) ||
	       new_optional_progs_load(c, u, SL_PIN_PROG_NAT_EGRESS, "nat_fast", fast, fast_sz) ||
	       new_optional_progs_load(c, u, SL_PIN_PROG_NAT_EGRESS, "nat_xdp", xdp, xdp_sz) ||
	       new_optional_progs_load(c, u, SL_PIN_PROG_LAN "_egress", "lan_tc", lan, lan_sz) ||
	       new_optional_progs_load(c, u, SL_PIN_LINKS "/hostpub_connect4", "hostpub", hp, hp_sz) ?
	       -1 : 0;
}

/* The instance's pinned programs: the prog_* leaves of its pin root. */
static int pins_list(struct ctl *c, struct upgrade *u)
{
	struct dirent *de;
	DIR *d = opendir(c->root);

	if (!d)
		return errf("open %s: %s", c->root, strerror(errno));
	u->npins = 0;
	while ((de = readdir(d)) && u->npins < NEW_PROGS_MAX)
		if (!strncmp(de->d_name, "prog_", 5) && strlen(de->d_name) < NAME_MAX - 8)
			snprintf(u->pin[u->npins++], sizeof(u->pin[0]), "%s", de->d_name);
	closedir(d);
	return 0;
}

/* Pin each new program next to the old pin as upgrade_<leaf>. */
static int pins_stage(struct ctl *c, struct upgrade *u)
{
	char path[PATH_MAX], tmp[PATH_MAX];

	for (int i = 0; i < u->npins; i++) {
		const struct new_prog *np;
		int old, ret = 0;

		snprintf(path, sizeof(path), "%s/%s", c->root, u->pin[i]);
		snprintf(tmp, sizeof(tmp), "%s/upgrade_%s", c->root, u->pin[i]);
		old = bpf_obj_get(path);
		np = old >= 0 ? new_prog_find(u, old) : NULL;
		unlink(tmp);	/* left by an interrupted upgrade */
		if (!np)
			ret = errf("program %s: %s", path, old < 0 ? strerror(errno) :
				  "not in this build");
		else if (bpf_obj_pin(np->fd, tmp))
			ret = errf("pin %s: %s", tmp, strerror(errno));
		if (old >= 0)
			close(old);
		if (ret)
			return ret;
	}
	return 0;
}

/* bpffs renames atomically: a command opening prog_* sees the old or the new one. */
static int pins_commit(struct ctl *c, struct upgrade *u)
{
	char path[PATH_MAX], tmp[PATH_MAX];

	for (int i = 0; i < u->npins; i++) {
		snprintf(path, sizeof(path), "%s/%s", c->root, u->pin[i]);
		snprintf(tmp, sizeof(tmp), "%s/upgrade_%s", c->root, u->pin[i]);
		if (rename(tmp, path))
			return errf("replace %s: %s", path, strerror(errno));
	}
	return 0;
}

static void pins_unstage(struct ctl *c, struct upgrade *u)
{
	char tmp[PATH_MAX];

	for (int i = 0; i < u->npins; i++) {
		snprintf(tmp, sizeof(tmp), "%s/upgrade_%s", c->root, u->pin[i]);
		unlink(tmp);
	}
}

int cmd_upgrade(struct ctl *c, int argc, char **argv)
{
	char from[BUILD_ID_LEN];
	struct upgrade u = {};
	json_object *o;
	int ret = -1;

	if (argc > 0)
		return errf("usage: sluice upgrade");
	if (instance_open(c, false))
		return -1;
	if (build_loaded(c, from))
		snprintf(from, sizeof(from), "unknown");
	u.sw = calloc(SWAPS_MAX, sizeof(*u.sw));
	if (!u.sw)
		return errf("upgrade: out of memory");
	/* A build that brings sl_nat_local or sl_port_slots/idx finds them created empty: fill
	 * them before any hook runs the programs that read them. */
	if (new_progs_load(c, &u) || new_nat_lan_progs_load(c, &u) || nat_local_sync(c) ||
	    ports_fast_sync(c))
		goto out;
	/* Stage the pins first: a failure there changes nothing that runs. */
	if (pins_list(c, &u) || pins_stage(c, &u))
		goto unstage;
	if (links_swap(c, &u) || clsact_swap(c, &u) || pins_commit(c, &u)) {
		swaps_undo(&u);
		goto unstage;
	}
	swaps_release(&u);
	/* the ports' slots: the programs just pinned, or first ones */
	if (nat_fast_sync(c) || nat_xdp_sync(c))
		goto out;
	build_record(c);	/* the programs already run: a failed record is only reported */
	o = json_object_new_object();
	jadd_str(o, "instance", c->instance);
	jadd_str(o, "from", from);
	jadd_str(o, "build", build_id());
	jadd_int(o, "programs", u.npins);
	jadd_int(o, "links", u.links);
	jadd_int(o, "clsact", u.clsact);
	output_print(o);
	ret = 0;
	goto out;
unstage:
	pins_unstage(c, &u);
out:
	swaps_release(&u);
	for (int i = 0; i < u.nnp; i++)
		close(u.np[i].fd);
	free(u.sw);
	return ret;
}
