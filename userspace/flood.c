// SPDX-License-Identifier: MIT
/* The per-(switch, VLAN) flood lists, derived from the ports map: untagged members first,
 * then tagged ones. Rebuilt whole on every port change, so its cost is kept flat: one batch
 * read of the ports, memory touched only for the VLANs in use. */
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

/* Every port of the instance into PORTS (room for SL_PORTS_MAX); returns how many, or < 0.
 * One bpf_map_lookup_batch instead of two syscalls per port. */
static int ports_read_all(struct ctl *c, struct sl_port *ports, uint32_t *keys)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	uint32_t batch, n = 0, got;
	void *in = NULL;
	int ret;

	do {
		got = SL_PORTS_MAX - n;
		if (!got)
			break;
		ret = bpf_map_lookup_batch(c->ports, in, &batch, keys + n, ports + n, &got, &opts);
		if (ret && errno != ENOENT)
			return errf("map sl_ports: batch read: %s", strerror(errno));
		n += got;
		in = &batch;
	} while (!ret);
	return (int)n;
}

static void flood_append(struct sl_flood *fl, uint64_t *used, const struct sl_port *p,
			 unsigned v)
{
	if (fl[v].count >= SL_FLOOD_MAX) {
		flood_overflow(p, v);
		return;
	}
	fl[v].ifindex[fl[v].count++] = p->ifindex;
	used[v / 64] |= 1ULL << (v % 64);
}

/* Does P carry VID V tagged (TAGGED) or untagged (!TAGGED) on its trunk? */
static bool trunk_carries(const struct sl_port *p, unsigned v, bool tagged)
{
	bool untagged_kind = p->flags & SL_PORT_F_VXLAN;	/* its VNI is the tag */

	return v != p->pvid && (p->vids[v / 64] >> (v % 64) & 1) && untagged_kind != tagged;
}

/* Members of every VLAN: untagged ones (access VID, native VID, VXLAN) when !TAGGED. */
static void flood_collect(struct sl_flood *fl, uint64_t *used, const struct sl_port *ports,
			  int n, uint32_t switch_id, bool tagged)
{
	for (int i = 0; i < n; i++) {
		const struct sl_port *p = &ports[i];

		if (p->switch_id != switch_id || (p->flags & SL_PORT_F_ENDPOINT))
			continue;	/* endpoints are reached through the LAN, not flooded to */
		if (!tagged && p->pvid && p->pvid <= SL_VLAN_MAX)
			flood_append(fl, used, p, p->pvid);
		for (unsigned w = 0; p->mode == SL_MODE_TRUNK && w < SL_VLAN_WORDS; w++) {
			for (uint64_t bits = p->vids[w]; bits; bits &= bits - 1) {
				unsigned v = w * 64 + __builtin_ctzll(bits);

				if (v >= 1 && v <= SL_VLAN_MAX && trunk_carries(p, v, tagged))
					flood_append(fl, used, p, v);
			}
		}
	}
}

/* Write the lists of the VLANs in USED; delete the switch's lists of VLANs not in it. */
static int flood_write(struct ctl *c, uint32_t switch_id, struct sl_flood *fl,
		       const uint64_t *used)
{
	struct sl_flood_key k, next;
	bool first = true;

	for (unsigned w = 0; w < SL_VLAN_WORDS; w++) {
		for (uint64_t bits = used[w]; bits; bits &= bits - 1) {
			unsigned v = w * 64 + __builtin_ctzll(bits);

			k = (struct sl_flood_key){ .switch_id = switch_id, .vid = v };
			if (bpf_map_update_elem(c->flood, &k, &fl[v], BPF_ANY))
				return errf("map sl_flood: %s", strerror(errno));
		}
	}
	while (bpf_map_get_next_key(c->flood, first ? NULL : &k, &next) == 0) {
		first = false;
		k = next;
		if (next.switch_id == switch_id && next.vid <= SL_VLAN_MAX &&
		    !(used[next.vid / 64] >> (next.vid % 64) & 1)) {
			bpf_map_delete_elem(c->flood, &next);
			first = true;
		}
	}
	return 0;
}

/* Recompute every (switch, VLAN) flood list of SWITCH_ID from the ports map. */
int flood_rebuild(struct ctl *c, uint32_t switch_id)
{
	/* calloc of these sizes maps zero pages: only the VLANs written to cost memory. */
	struct sl_flood *fl = calloc(SL_VLAN_MAX + 1, sizeof(*fl));
	struct sl_port *ports = malloc(SL_PORTS_MAX * sizeof(*ports));
	uint32_t *keys = malloc(SL_PORTS_MAX * sizeof(*keys));
	uint64_t used[SL_VLAN_WORDS] = {};
	int n, ret = -1;

	if (!fl || !ports || !keys) {
		errf("flood lists: out of memory");
		goto out;
	}
	n = ports_read_all(c, ports, keys);
	if (n < 0)
		goto out;
	flood_collect(fl, used, ports, n, switch_id, false);
	for (unsigned w = 0; w < SL_VLAN_WORDS; w++)
		for (uint64_t bits = used[w]; bits; bits &= bits - 1)
			fl[w * 64 + __builtin_ctzll(bits)].tagged_from =
				fl[w * 64 + __builtin_ctzll(bits)].count;
	flood_collect(fl, used, ports, n, switch_id, true);
	ret = flood_write(c, switch_id, fl, used);
out:
	free(fl);
	free(ports);
	free(keys);
	return ret;
}
