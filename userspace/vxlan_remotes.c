// SPDX-License-Identifier: MIT
/* A VXLAN port's remote hosts: `port set NAME remotes ...` in place, and the lookups fdb.c
 * makes (a remote's index for a static entry, an index's address for fdb show). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "parse.h"
#include "vxlan.h"
#include "vxlan_maps.h"

int vxlan_remote_index(struct ctl *c, uint32_t ifindex, uint32_t addr)
{
	struct sl_vx_remote_key k = { ifindex, addr };
	struct vx_maps m;
	uint32_t idx;
	int ret = -ENOENT;

	if (!vx_maps_open(c, &m) && !bpf_map_lookup_elem(m.remotes, &k, &idx))
		ret = idx;
	vx_maps_close(&m);
	return ret;
}

void vxlan_remote_format(struct ctl *c, uint32_t ifindex, uint32_t idx, char buf[16])
{
	static struct sl_vx_port vp;	/* fdb show asks for the same port over and over */
	static uint32_t cached;
	struct vx_maps m;

	snprintf(buf, 16, "?");
	if (cached != ifindex) {
		cached = 0;
		if (!vx_maps_open(c, &m) && !bpf_map_lookup_elem(m.ports, &ifindex, &vp))
			cached = ifindex;
		vx_maps_close(&m);
	}
	if (cached && idx >= 1 && idx <= vp.count && idx <= SL_VX_REMOTES_MAX)
		format_ipv4(vp.remotes[idx - 1], buf);
}

/* Entries behind a remote that is gone (bit I-1 of GONE for index I). */
static bool behind_gone(const struct sl_fdb_key *k, const struct sl_fdb_entry *e, const void *arg)
{
	const struct { uint32_t ifindex; uint64_t gone; } *a = arg;
	uint32_t idx = SL_FDB_REMOTE(e->flags);

	return e->ifindex == a->ifindex && idx >= 1 && idx <= SL_VX_REMOTES_MAX &&
	       (a->gone >> (idx - 1) & 1);
}

/* New remotes list R for port P (current VP): kept remotes keep their index (FDB entries
 * name remotes by index), removed ones leave a hole, new ones fill holes first. Order: stop
 * admitting removed hosts, stop sending to them, flush what was learned behind them, then
 * admit the new ones. */
static int vx_remotes_replace(struct ctl *c, struct vx_maps *m, const struct sl_port *p,
			      struct sl_vx_port *vp, const struct vx_req *r)
{
	struct { uint32_t ifindex; uint64_t gone; } arg = { p->ifindex, 0 };
	struct sl_vx_port nv = *vp;
	uint32_t i, j;

	for (i = 0; i < vp->count && i < SL_VX_REMOTES_MAX; i++) {
		for (j = 0; j < r->nremotes && r->remotes[j] != vp->remotes[i]; j++)
			;
		if (vp->remotes[i] && j == r->nremotes) {
			nv.remotes[i] = 0;
			arg.gone |= 1ULL << i;
		}
	}
	for (j = 0; j < r->nremotes; j++) {
		uint32_t hole = SL_VX_REMOTES_MAX;

		for (i = 0; i < SL_VX_REMOTES_MAX && nv.remotes[i] != r->remotes[j]; i++)
			if (!nv.remotes[i] && !(arg.gone >> i & 1) && hole == SL_VX_REMOTES_MAX)
				hole = i;
		if (i < SL_VX_REMOTES_MAX)
			continue;	/* kept */
		for (i = 0; hole == SL_VX_REMOTES_MAX && i < SL_VX_REMOTES_MAX; i++)
			if (!nv.remotes[i])	/* a slot freed just now, as the last resort */
				hole = i;
		if (hole == SL_VX_REMOTES_MAX)
			return errf("port %s: more than %d remotes", p->name, SL_VX_REMOTES_MAX);
		nv.remotes[hole] = r->remotes[j];
	}
	for (nv.count = SL_VX_REMOTES_MAX; nv.count && !nv.remotes[nv.count - 1]; nv.count--)
		;
	/* Nothing changed so far: from here on, the order the datapath needs. */
	for (i = 0; i < SL_VX_REMOTES_MAX; i++) {
		struct sl_vx_remote_key k = { p->ifindex, vp->remotes[i] };

		if (arg.gone >> i & 1)
			bpf_map_delete_elem(m->remotes, &k);
	}
	if (bpf_map_update_elem(m->ports, &p->ifindex, &nv, BPF_EXIST))
		return errf("map sl_vx_ports: %s", strerror(errno));
	if (arg.gone)
		fdb_delete_if(c, behind_gone, &arg);
	for (i = 0; i < nv.count; i++) {
		struct sl_vx_remote_key k = { p->ifindex, nv.remotes[i] };
		uint32_t idx = i + 1;

		if (nv.remotes[i] && bpf_map_update_elem(m->remotes, &k, &idx, BPF_ANY))
			return errf("map sl_vx_remotes: %s", strerror(errno));
	}
	*vp = nv;
	return 0;
}

int vxlan_port_set(struct ctl *c, int argc, char **argv)
{
	struct vx_req *r = calloc(1, sizeof(*r));
	struct vx_maps m = { -1, -1, -1 };
	struct sl_vx_port vp;
	struct sl_port p;
	char *list = NULL, *tok, *save = NULL;
	int ret = -1;

	if (!r)
		return errf("out of memory");
	r->name = argv[0];
	if (argc != 3 || strcmp(argv[1], "remotes")) {
		errf("usage: sluice port set NAME remotes IP[,IP]...|none (a VXLAN port's hosts)");
		goto out;
	}
	list = strdup(argv[2]);
	for (tok = strtok_r(list, ",", &save); tok && strcmp(argv[2], "none");
	     tok = strtok_r(NULL, ",", &save))
		if (vx_add_remote(r, tok))
			goto out;
	if (instance_open(c, false) || vx_maps_open(c, &m))
		goto out;
	if (port_get_by_name(c, r->name, &p)) {
		errf("port %s does not exist", r->name);
		goto out;
	}
	if (!(p.flags & SL_PORT_F_VXLAN) || bpf_map_lookup_elem(m.ports, &p.ifindex, &vp)) {
		errf("port %s is not a VXLAN port: only those have remotes", r->name);
		goto out;
	}
	for (uint32_t i = 0; vp.local && i < r->nremotes; i++) {
		char ip[16];

		if (r->remotes[i] != vp.local)
			continue;
		format_ipv4(vp.local, ip);
		errf("remote %s is this host's local address", ip);
		goto out;
	}
	ret = vx_remotes_replace(c, &m, &p, &vp, r);
out:
	vx_maps_close(&m);
	free(list);
	free(r);
	return ret;
}
