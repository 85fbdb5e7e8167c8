// SPDX-License-Identifier: MIT
/* Flood lists: for each (switch, VLAN), the ports a broadcast or unknown unicast goes to,
 * untagged members first; recomputed from the port table whenever a member changes. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "ctl.h"

static void flood_overflow(const struct sl_port *p, unsigned vid)
{
	fprintf(stderr, "sluice: warning: VLAN %u has more than %d ports; port %s gets no floods\n",
		vid, SL_FLOOD_MAX, p->name);
}

/* Recompute every (switch, VLAN) flood list of SWITCH_ID from the ports map. */
int flood_rebuild(struct ctl *c, uint32_t switch_id)
{
	struct sl_flood *fl = calloc(SL_VLAN_MAX + 1, sizeof(*fl));
	uint32_t *tagged = calloc((SL_VLAN_MAX + 1) * SL_FLOOD_MAX, sizeof(uint32_t));
	uint32_t *ntag = calloc(SL_VLAN_MAX + 1, sizeof(uint32_t));
	struct sl_flood_key k, next;
	struct sl_port p;
	uint32_t ifx, nifx;
	bool first = true;
	int ret = 0;

	if (!fl || !tagged || !ntag) {
		ret = err("flood lists: out of memory");
		goto out;
	}
	while (bpf_map_get_next_key(c->ports, first ? NULL : &ifx, &nifx) == 0) {
		first = false;
		ifx = nifx;
		if (bpf_map_lookup_elem(c->ports, &nifx, &p) || p.switch_id != switch_id ||
		    (p.flags & SL_PORT_F_ENDPOINT))	/* reached through the LAN, not flooded to */
			continue;
		if (p.pvid && p.pvid <= SL_VLAN_MAX) {
			if (fl[p.pvid].count < SL_FLOOD_MAX)
				fl[p.pvid].ifindex[fl[p.pvid].count++] = p.ifindex;
			else
				flood_overflow(&p, p.pvid);
		}
		for (unsigned v = 1; p.mode == SL_MODE_TRUNK && v <= SL_VLAN_MAX; v++) {
			if (!p.vids[v / 64]) {
				v |= 63;	/* skip an empty word */
				continue;
			}
			if (v == p.pvid || !(p.vids[v / 64] >> (v % 64) & 1))
				continue;
			if (p.flags & SL_PORT_F_VXLAN) {	/* its VNI is the tag: untagged */
				if (fl[v].count < SL_FLOOD_MAX)
					fl[v].ifindex[fl[v].count++] = p.ifindex;
				else
					flood_overflow(&p, v);
				continue;
			}
			if (ntag[v] < SL_FLOOD_MAX)
				tagged[v * SL_FLOOD_MAX + ntag[v]++] = p.ifindex;
			else
				flood_overflow(&p, v);
		}
	}
	for (unsigned v = 1; v <= SL_VLAN_MAX; v++) {
		struct sl_flood *f = &fl[v];

		if (!f->count && !ntag[v])
			continue;
		f->tagged_from = f->count;
		for (uint32_t i = 0; i < ntag[v] && f->count < SL_FLOOD_MAX; i++)
			f->ifindex[f->count++] = tagged[v * SL_FLOOD_MAX + i];
		k = (struct sl_flood_key){ .switch_id = switch_id, .vid = v };
		if (f->count && bpf_map_update_elem(c->flood, &k, f, BPF_ANY)) {
			ret = err("map sl_flood: %s", strerror(errno));
			goto out;
		}
	}
	/* Drop the lists of VLANs that lost their last port. */
	first = true;
	while (bpf_map_get_next_key(c->flood, first ? NULL : &k, &next) == 0) {
		first = false;
		k = next;
		if (next.switch_id == switch_id && next.vid <= SL_VLAN_MAX && !fl[next.vid].count) {
			bpf_map_delete_elem(c->flood, &next);
			first = true;
		}
	}
out:
	free(fl);
	free(tagged);
	free(ntag);
	return ret;
}
