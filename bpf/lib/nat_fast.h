/* SPDX-License-Identifier: GPL-2.0-only */
/* The NAT fast path: container <-> outside routed and translated in BPF with the uplink
 * hooks' own tables, or left to the host's path with the reason counted. */
#ifndef SL_NAT_FAST_H
#define SL_NAT_FAST_H

#include <linux/pkt_cls.h>
#include "sluice_nat_fast.h"
#include "nat.h"
#include "nat_direct.h"
#include "fib.h"
#include "stats.h"
#include "vlan.h"
#include "fdb.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sl_nat_fast_stats);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_nat_fast_stats SEC(".maps");

/* Outcomes of the helpers below besides a tc verdict: the host's path (reason counted); to
 * an address of the host itself (not counted yet: a published port's hairpin, or slow). */
#define SL_FAST_SLOW	(-1)
#define SL_FAST_LOCAL	(-2)

static __always_inline int sl_fast_slow(int dir, int why)
{
	__u32 zero = 0;
	struct sl_nat_fast_stats *fs = bpf_map_lookup_elem(&sl_nat_fast_stats, &zero);

	if (fs && why >= 0 && why < SL_NAT_SLOW_MAX)
		fs->slow[dir & 1][why]++;
	return SL_FAST_SLOW;
}

static __always_inline void sl_fast_count(int dir)
{
	__u32 zero = 0;
	struct sl_nat_fast_stats *fs = bpf_map_lookup_elem(&sl_nat_fast_stats, &zero);

	if (fs)
		fs->fast[dir & 1]++;
}

/* Trace: the fast path sent P (its tuple before translation) in direction DIR to device
 * TO. Costs an array lookup and a branch unless a monitor asked for traces. */
static __always_inline void sl_ev_fast(struct __sk_buff *skb, const struct sl_pkt *p, int dir,
				       __u32 to)
{
	struct sl_event *e;

	if (!sl_ev_on(SL_EV_TRACE))
		return;
	e = sl_ev_reserve(SL_EV_TRACE, SL_EV_SRC_TRACE, SL_EV_TR_FASTPATH,
			  dir == SL_NAT_FAST_DIR_IN ? SL_EV_HOOK_NAT_INGRESS : SL_EV_HOOK_TC);
	if (!e)
		return;
	sl_ev_snap_skb(e, skb);
	e->ifindex = skb->ifindex;
	sl_ev_tuple(e, p);
	e->aux = to;
	if (dir == SL_NAT_FAST_DIR_IN)
		e->flags |= SL_EV_F_REPLY;
	bpf_ringbuf_submit(e, 0);
}

/* The FIB's verdict as a slow-path reason, or -1 when the fast path may go on.
 * NO_NEIGH is fine outbound (bpf_redirect_neigh resolves it), not inbound. */
static __always_inline int sl_fast_fib_reason(int rc, int dir)
{
	if (rc == BPF_FIB_LKUP_RET_SUCCESS)
		return -1;
	if (rc == BPF_FIB_LKUP_RET_NO_NEIGH)
		return dir == SL_NAT_FAST_DIR_OUT ? -1 : SL_NAT_SLOW_NO_NEIGH;
	if (rc == BPF_FIB_LKUP_RET_FRAG_NEEDED)
		return SL_NAT_SLOW_MTU;
	if (rc == BPF_FIB_LKUP_RET_NOT_FWDED)
		return SL_NAT_SLOW_NOT_FWDED;
	return SL_NAT_SLOW_FIB;
}

/* What forwarding demands of the IPv4 header at L3 before we may skip the host: no
 * options (the host would process them), TTL > 1 (the host must send Time Exceeded). */
static __always_inline int sl_fast_ip_check(struct __sk_buff *skb, __u32 l3, __u8 *tos)
{
	struct iphdr iph;

	if (bpf_skb_load_bytes(skb, l3, &iph, sizeof(iph)))
		return SL_NAT_SLOW_UNPARSED;
	if (iph.ihl != 5)
		return SL_NAT_SLOW_OPTIONS;
	if (iph.ttl <= 1)
		return SL_NAT_SLOW_TTL;
	*tos = iph.tos;
	return -1;
}

/* Parse an outbound frame; a later fragment is fast only when its first was translated. */
static __always_inline int sl_fast_out_parse(struct __sk_buff *skb, struct sl_pkt *p, __u8 *tos)
{
	int why = SL_NAT_PASS, ret = sl_parse_ip(skb, ETH_HLEN, 0, p, &why);

	if (ret == SL_PARSE_NOT_IPV4 || ret == SL_PARSE_DROP)
		return SL_NAT_SLOW_UNPARSED;
	why = sl_fast_ip_check(skb, p->l3, tos);
	if (why >= 0)
		return why;
	if (ret == SL_PARSE_LATER_FRAG) {
		struct sl_nat_frag_key k = { .saddr = p->saddr, .daddr = p->daddr, .id = p->ip_id,
					     .proto = p->proto, .dir = SL_NAT_DIR_ORIG };

		return bpf_map_lookup_elem(&sl_nat_frag, &k) ? -1 : SL_NAT_SLOW_FRAG;
	}
	ret = sl_parse_l4(skb, p, 0, &why);
	if (ret == SL_PARSE_ICMP_ERROR)
		return SL_NAT_SLOW_ICMP_ERROR;
	return ret == SL_PARSE_OK ? -1 : SL_NAT_SLOW_UNPARSED;
}

/* The switch port a container address is reached through, from the host's route to it:
 * the neighbour's MAC in the FDB of the gateway subnet's (switch, VLAN). */
static __always_inline struct sl_port *sl_fast_in_port(__be32 addr, const __u8 *dmac)
{
	struct sl_nat_local_key k = { .prefixlen = 32, .addr = addr };
	struct sl_nat_local *loc = bpf_map_lookup_elem(&sl_nat_local, &k);
	struct sl_port *dp;
	__u32 dest;
	__u16 vid;

	if (!loc)
		return NULL;
	vid = loc->vid;
	dest = sl_fdb_dest(loc->switch_id, vid, dmac);
	if (!dest)
		return NULL;
	dp = bpf_map_lookup_elem(&sl_ports, &dest);
	if (!dp || dp->switch_id != loc->switch_id || !sl_port_member(dp, vid) ||
	    sl_vlan_egress_tagged(dp, vid) ||
	    (dp->flags & (SL_PORT_F_GATEWAY | SL_PORT_F_ENDPOINT | SL_PORT_F_LAN)))
		return NULL;
	return dp;
}

#include "nat_hairpin.h"

/* Outbound, at a container's port, for a frame to its gateway: route it in the host's FIB,
 * translate it if the route leaves by an uplink whose rule masquerades the source, and send
 * it there. Returns a tc verdict, SL_FAST_SLOW or SL_FAST_LOCAL. A subprogram: its frame
 * and the hairpin's are never on the stack together (512 bytes in all). */
static __noinline __attribute__((unused)) int sl_nat_fast_out(struct __sk_buff *skb)
{
	const struct sl_nat_cfg *cfg = sl_nat_cfg_get();
	struct sl_nat_stats *st = sl_nat_stats_get();
	const int dir = SL_NAT_FAST_DIR_OUT;
	const struct sl_nat_rule *r;
	struct bpf_fib_lookup fib;
	struct sl_pkt p = {};
	__u32 slot = 0;
	__u8 tos = 0;
	int why, rc;

	if (!cfg)
		return SL_FAST_SLOW;
	why = sl_fast_out_parse(skb, &p, &tos);
	if (why >= 0)
		return sl_fast_slow(dir, why);
	/* The host routes before it translates (POSTROUTING): so do we, on the inner source. */
	rc = sl_fib_route(skb, &p, tos, skb->ifindex, &fib);
	if (rc == BPF_FIB_LKUP_RET_NOT_FWDED)
		return SL_FAST_LOCAL;	/* the caller's sl_nat_hairpin_fast() may take it */
	why = sl_fast_fib_reason(rc, dir);
	if (why >= 0)
		return sl_fast_slow(dir, why);
	r = sl_nat_rule_out(cfg, fib.ifindex, p.saddr, &slot);
	if (!r || sl_nat_dst_excluded(r, p.daddr))
		return sl_fast_slow(dir, SL_NAT_SLOW_NO_RULE);
	if (r->flags & SL_NAT_F_SLOWPATH)
		return sl_fast_slow(dir, SL_NAT_SLOW_OFF);
	if (!(p.frag & SL_IP_OFFSET) && sl_nat_direct_out(&p, r, cfg))
		return sl_fast_slow(dir, SL_NAT_SLOW_ROUTED);	/* leaves untranslated, routed */
	if (p.frag & SL_IP_OFFSET)
		why = sl_nat_frag_follow(skb, &p, SL_NAT_DIR_ORIG, 0, st);	/* never held here */
	else
		why = sl_nat_snat_flow(skb, &p, r, slot, cfg, st, 1);
	if (why < 0 && sl_fib_ttl_dec(skb, p.l3))
		why = SL_NAT_DROP_REWRITE;
	if (why >= 0) {		/* what the uplink hook would have dropped, dropped here */
		sl_nat_count_drop(st, why);
		return TC_ACT_SHOT;
	}
	sl_fast_count(dir);
	sl_ev_fast(skb, &p, dir, fib.ifindex);
	return sl_fib_redirect_neigh(&fib);
}

/* Inbound, at the uplink's ingress, after P (to external address EXT of rule R) went
 * through the DNAT: deliver it straight into the container. Returns a tc verdict;
 * TC_ACT_UNSPEC hands the packet on to the host as before. */
static __always_inline int sl_nat_fast_in(struct __sk_buff *skb, const struct sl_pkt *p, __be32 ext,
					  const struct sl_nat_rule *r)
{
	const int dir = SL_NAT_FAST_DIR_IN;
	struct bpf_fib_lookup fib;
	struct sl_pkt q = *p;
	struct sl_port *dp;
	__u8 tos = 0;
	int why, rc;

	if (bpf_skb_load_bytes(skb, p->l3 + offsetof(struct iphdr, daddr), &q.daddr, 4) ||
	    q.daddr == ext)
		return TC_ACT_UNSPEC;	/* not translated: the host's own traffic */
	if (r->flags & SL_NAT_F_SLOWPATH) {
		sl_fast_slow(dir, SL_NAT_SLOW_OFF);
		return TC_ACT_UNSPEC;
	}
	why = sl_fast_ip_check(skb, p->l3, &tos);
	if (why < 0 && skb->vlan_present)
		why = SL_NAT_SLOW_UNPARSED;
	if (why < 0) {
		rc = sl_fib_route(skb, &q, tos, skb->ifindex, &fib);
		why = sl_fast_fib_reason(rc, dir);
	}
	if (why < 0) {
		dp = sl_fast_in_port(q.daddr, fib.dmac);
		if (!dp)
			why = SL_NAT_SLOW_NO_PORT;
	}
	if (why >= 0) {
		sl_fast_slow(dir, why);
		return TC_ACT_UNSPEC;
	}
	/* From here on the packet is translated: a failed rewrite must not reach the host. */
	if (sl_fib_ttl_dec(skb, p->l3) || sl_fib_set_macs(skb, fib.dmac, fib.smac)) {
		sl_nat_count_drop(sl_nat_stats_get(), SL_NAT_DROP_REWRITE);
		return TC_ACT_SHOT;
	}
	sl_count_tx(dp, skb->len);
	sl_fast_count(dir);
	sl_ev_fast(skb, p, dir, dp->ifindex);
	if (dp->flags & SL_PORT_F_PEER)
		return bpf_redirect_peer(dp->ifindex, 0);
	return bpf_redirect(dp->ifindex, 0);
}

#endif
