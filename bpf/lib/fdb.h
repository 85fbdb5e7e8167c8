/* SPDX-License-Identifier: GPL-2.0-only */
/* MAC learning and lookup in the (switch, VLAN, MAC) forwarding database. */
#ifndef SL_FDB_H
#define SL_FDB_H

#include "maps.h"
#include "eth.h"
#include "events.h"

static __always_inline void sl_fdb_key(struct sl_fdb_key *k, __u32 sw, __u16 vid, const __u8 *mac)
{
	k->switch_id = sw;
	k->vid = vid;
	__builtin_memcpy(k->mac, mac, ETH_ALEN);
}

/* The FDB's clock: CLOCK_MONOTONIC at jiffy resolution (kernel >= 5.11, so 6.1 too). It
 * reads a cached value where bpf_ktime_get_ns reads the clocksource: ageing counts in
 * seconds, and the per-packet read was a fifth of the XDP program's run time (docs/datapath.md). */
static __always_inline __u64 sl_fdb_now(void)
{
	return bpf_ktime_get_coarse_ns();
}

/* Learn MAC on IFINDEX (counter slot SLOT) with FLAGS (a VXLAN port's remote,
 * SL_FDB_REMOTE_SHIFT). Writes only when the port or flags change or the stamp is a second
 * old, so the entry's cache line stays shared between CPUs; static entries never move. */
static __always_inline void sl_fdb_learn_flags(__u32 sw, __u16 vid, const __u8 *mac,
					       __u32 ifindex, __u32 slot, __u32 flags,
					       struct sl_port_stats *s)
{
	struct sl_fdb_key k;
	struct sl_fdb_entry *e, n = {};
	__u64 now;

	flags |= SL_FDB_F_SLOT(slot);	/* where forwarding finds the port's facts */
	sl_fdb_key(&k, sw, vid, mac);
	e = bpf_map_lookup_elem(&sl_fdb, &k);
	if (e) {
		if (e->flags & SL_FDB_F_STATIC)
			return;
		now = sl_fdb_now();
		if (e->ifindex == ifindex && e->flags == flags &&
		    now - e->last_seen < SL_FDB_REFRESH_NS)
			return;
		e->ifindex = ifindex;
		e->flags = flags;
		e->last_seen = now;
		return;
	}
	n.ifindex = ifindex;
	n.flags = flags;
	n.last_seen = sl_fdb_now();
	if (bpf_map_update_elem(&sl_fdb, &k, &n, BPF_NOEXIST) == 0) {
		if (s)
			s->learned++;
		sl_ev_learned(sw, vid, mac, ifindex);
	} else if (s && !bpf_map_lookup_elem(&sl_fdb, &k)) {
		s->learn_failed++;	/* table full, not a race with another CPU */
	}
}

static __always_inline void sl_fdb_learn(__u32 sw, __u16 vid, const __u8 *mac, __u32 ifindex,
					 __u32 slot, struct sl_port_stats *s)
{
	sl_fdb_learn_flags(sw, vid, mac, ifindex, slot, 0, s);
}

/* Port a unicast MAC lives on in (switch, VLAN), or 0. */
static __always_inline __u32 sl_fdb_dest(__u32 sw, __u16 vid, const __u8 *mac)
{
	struct sl_fdb_key k;
	struct sl_fdb_entry *e;

	sl_fdb_key(&k, sw, vid, mac);
	e = bpf_map_lookup_elem(&sl_fdb, &k);
	return e ? e->ifindex : 0;
}

/* sl_fdb_dest, and the slot the entry names in *SLOT (0: none). */
static __always_inline __u32 sl_fdb_dest_slot(__u32 sw, __u16 vid, const __u8 *mac, __u32 *slot)
{
	struct sl_fdb_key k;
	struct sl_fdb_entry *e;

	sl_fdb_key(&k, sw, vid, mac);
	e = bpf_map_lookup_elem(&sl_fdb, &k);
	if (!e)
		return 0;
	*slot = SL_FDB_SLOT(e->flags);
	return e->ifindex;
}

#endif
