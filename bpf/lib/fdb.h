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

/* Did the port in SLOT learn MAC in VID with FLAGS on this CPU less than a refresh ago,
 * with no FDB change since (GEN)? Then learning would find nothing to write. */
static __always_inline int sl_learn_cached(const struct sl_learn_cache *lc, __u16 vid,
					    const __u8 *mac, __u32 flags, __u32 gen, __u64 now)
{
	return lc && lc->gen == gen && lc->vid == vid && lc->flags == flags &&
	       now - lc->stamp < SL_FDB_REFRESH_NS && sl_mac_eq(lc->mac, mac);
}

/* Learn MAC on IFINDEX (counter slot SLOT) with FLAGS (a VXLAN port's remote,
 * SL_FDB_REMOTE_SHIFT). Writes only when the port or flags change or the stamp is a second
 * old, so the entry's cache line stays shared between CPUs; static entries never move. The
 * learn cache skips the FDB lookup for a source this port learned on this CPU within the
 * second; a move bumps sl_fdb_gen, so no CPU keeps skipping for the old port. */
static __always_inline void sl_fdb_learn_flags(__u32 sw, __u16 vid, const __u8 *mac,
					       __u32 ifindex, __u32 slot, __u32 flags,
					       struct sl_port_stats *s)
{
	__u32 zero = 0, key = slot, g, *gen = bpf_map_lookup_elem(&sl_fdb_gen, &zero);
	struct sl_learn_cache *lc = bpf_map_lookup_elem(&sl_learn_cache, &key);
	__u64 now = sl_fdb_now();
	struct sl_fdb_key k;
	struct sl_fdb_entry *e, n = {};

	flags |= SL_FDB_F_SLOT(slot);	/* where forwarding finds the port's facts */
	g = gen ? *(volatile __u32 *)gen : 0;
	if (sl_learn_cached(lc, vid, mac, flags, g, now))
		return;
	sl_fdb_key(&k, sw, vid, mac);
	e = bpf_map_lookup_elem(&sl_fdb, &k);
	if (e) {
		if (e->flags & SL_FDB_F_STATIC)
			goto cache;
		if (e->ifindex == ifindex && e->flags == flags &&
		    now - e->last_seen < SL_FDB_REFRESH_NS)
			goto cache;
		if ((e->ifindex != ifindex || e->flags != flags) && gen) {
			__sync_fetch_and_add(gen, 1);	/* a move: every CPU's cache misses */
			g = *(volatile __u32 *)gen;
		}
		e->ifindex = ifindex;
		e->flags = flags;
		e->last_seen = now;
		goto cache;
	}
	n.ifindex = ifindex;
	n.flags = flags;
	n.last_seen = now;
	if (bpf_map_update_elem(&sl_fdb, &k, &n, BPF_NOEXIST)) {
		if (s && !bpf_map_lookup_elem(&sl_fdb, &k))
			s->learn_failed++;	/* table full, not a race with another CPU */
		return;		/* not cached: the next frame tries again */
	}
	if (s)
		s->learned++;
	sl_ev_learned(sw, vid, mac, ifindex);
cache:
	if (lc) {
		__builtin_memcpy(lc->mac, mac, ETH_ALEN);
		lc->vid = vid;
		lc->flags = flags;
		lc->gen = g;
		lc->stamp = now;
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
