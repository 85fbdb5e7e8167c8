/* SPDX-License-Identifier: GPL-2.0-only */
/* Hairpin: a container connecting to its host's uplink address : published port reaches
 * the published target, as Docker's DNAT + MASQUERADE of hairpin traffic does. The target
 * sees the gateway address of its subnet as the source, so its answer comes back through
 * the gateway, where it is translated back.
 *
 * A hairpin connection is two connections of the one NAT table, each an ordinary pair of
 * halves the GC, `nat ct` and the TCP/UDP state machines already know:
 *   published (as from outside): ORIG T:tp -> C:cp = U:P, OPENED_IN; REPLY C:cp -> U:P = T:tp
 *   masquerade to the gateway:   ORIG C:cp -> T:tp = G:mp;           REPLY T:tp -> G:mp = C:cp
 * (C client, U:P uplink address and published port, T:tp target, G gateway address, mp the
 * mapping port, owned by whoever inserts the REPLY half first). Both directions of the
 * packet flow start with the REPLY half keyed by the packet as it arrives: the request finds
 * the published connection's, the answer the masquerade's.
 *
 * Taken by the port program's fast path (nat_fast.h, the route says "local") or, with the
 * fast path off or not possible, by the guard on the gateway's host leg (nat_tc.bpf.c). */
#ifndef SL_NAT_HAIRPIN_H
#define SL_NAT_HAIRPIN_H

/* Included by nat_fast.h, from the middle: it uses that file's port lookup, counters and
 * traces, and the fast path calls it. */
#include "nat_publish.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SL_NAT_LOCAL_MAX);
	__type(key, struct sl_nat_local);
	__type(value, __be32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_nat_gw SEC(".maps");

/* Where a hairpin packet is taken: the port's fast path, or the gateway's host leg. */
#define SL_HP_FAST	0
#define SL_HP_GUARD	1
#define SL_HP_OFF	1	/* sl_hp_translate(): the rule says fastpath off */

/* What a hairpin packet becomes. */
struct sl_hp {
	__be32 saddr;
	__be32 daddr;
	__be16 sport;
	__be16 dport;
	__u32 rule;
};

/* The gateway address of the subnet ADDR is in (0: none known). */
static __always_inline __be32 sl_hp_gw(__be32 addr)
{
	struct sl_nat_local_key k = { .prefixlen = 32, .addr = addr };
	struct sl_nat_local *loc = bpf_map_lookup_elem(&sl_nat_local, &k);
	struct sl_nat_local gk = {};
	__be32 *gw;

	if (!loc)
		return 0;
	gk.switch_id = loc->switch_id;
	gk.vid = loc->vid;
	gw = bpf_map_lookup_elem(&sl_nat_gw, &gk);
	return gw ? *gw : 0;
}

/* The published port P is for: a rule whose external address is P's destination. */
static __always_inline const struct sl_nat_pub *sl_hp_pub(const struct sl_nat_cfg *cfg,
							  const struct sl_pkt *p)
{
	for (__u32 i = 0; i < SL_NAT_RULES_MAX; i++) {
		__u32 key = i;	/* a copy: see sl_nat_rule_out */
		const struct sl_nat_rule *r;
		const struct sl_nat_pub *pub;

		if (i >= cfg->nrules)
			break;
		r = bpf_map_lookup_elem(&sl_nat_rules, &key);
		if (!r || !r->used || r->ext_addr != p->daddr)
			continue;
		pub = sl_nat_publish_get(p, r->out_ifindex);
		if (pub)
			return pub;
	}
	return NULL;
}

/* Could a packet to DADDR be hairpin: to a rule's external address (a request) or into a
 * gateway subnet (an answer to the gateway address)? Keeps the guard's cost on the host's
 * path to a trie lookup and a rule scan for everything else. */
static __always_inline int sl_hp_dst(const struct sl_nat_cfg *cfg, __be32 daddr)
{
	struct sl_nat_local_key k = { .prefixlen = 32, .addr = daddr };

	return bpf_map_lookup_elem(&sl_nat_local, &k) || sl_nat_rule_in(cfg, 0, daddr);
}

struct sl_hp_probe {
	struct sl_nat_ct_key rk;	/* T:tp -> G:candidate */
	struct sl_nat_ct rv;		/* C:cp */
	__u16 first;			/* the client's own port, tried first */
	__u16 start;
	__u32 found;
};

/* bpf_loop callback: candidate I for the mapping port, claimed by inserting the REPLY half. */
static long sl_hp_probe_one(__u32 i, void *arg)
{
	struct sl_hp_probe *pr = arg;
	const __u32 n = SL_NAT_PORT_HI - SL_NAT_PORT_LO + 1;
	struct sl_nat_ct *cur;

	pr->rk.dport = bpf_htons(i ? SL_NAT_PORT_LO + (pr->start + i) % n : pr->first);
	if (!bpf_map_update_elem(&sl_nat_ct, &pr->rk, &pr->rv, BPF_NOEXIST)) {
		pr->found = 1;
		return 1;
	}
	cur = bpf_map_lookup_elem(&sl_nat_ct, &pr->rk);	/* ours already (half-made)? */
	if (cur && cur->addr == pr->rv.addr && cur->port == pr->rv.port) {
		pr->found = 1;
		return 1;
	}
	return 0;
}

/* The masquerade to the gateway of request P (C:cp -> T:tp in H once translated): found
 * or made. Returns 0, or -1 (the host's path takes P). */
static __always_inline int sl_hp_masq(const struct sl_pkt *p, const struct sl_nat_cfg *cfg,
				      struct sl_nat_stats *st, __u64 now, struct sl_hp *h)
{
	struct sl_hp_probe pr = { .rv = { .addr = p->saddr, .port = p->sport, .rule = h->rule,
					  .expires = now } };
	struct sl_nat_ct ov = { .rule = h->rule, .born = sl_ct_born(now) };
	struct sl_nat_ct_key ok;
	struct sl_nat_ct *ct;
	__be32 gw;
	int s0;

	sl_ct_key_orig(&ok, p->proto, p->saddr, p->sport, h->daddr, h->dport);
	ct = bpf_map_lookup_elem(&sl_nat_ct, &ok);
	if (ct && ct->expires > now && !(ct->flags & SL_NAT_CT_F_OPENED_IN)) {
		h->saddr = ct->addr;
		h->sport = ct->port;
		sl_ct_update(ct, p, 0, cfg, now);
		return 0;
	}
	s0 = sl_ct_initial_state(p, 0);
	gw = sl_hp_gw(h->daddr);
	if (s0 < 0 || !gw)
		return -1;
	sl_ct_key_reply(&pr.rk, p->proto, h->daddr, h->dport, gw, 0);
	pr.first = bpf_ntohs(p->sport);
	pr.start = sl_nat_hash(p->saddr, (__u32)p->sport << 8 | p->proto, cfg->seed);
	bpf_loop(SL_NAT_HP_PROBES, sl_hp_probe_one, &pr, 0);
	if (!pr.found) {
		if (st)
			st->alloc_failed++;
		return -1;
	}
	ov.addr = gw;
	ov.port = pr.rk.dport;
	ov.state = s0;
	ov.expires = now + sl_ct_timeout_ns(cfg, s0);
	if (bpf_map_update_elem(&sl_nat_ct, &ok, &ov, BPF_ANY)) {
		bpf_map_delete_elem(&sl_nat_ct, &pr.rk);
		return -1;
	}
	if (st)
		st->flows++;
	h->saddr = gw;
	h->sport = pr.rk.dport;
	return 0;
}

/* P, from a container to a local address: the translation of a hairpin packet in H (both
 * connections accounted) and 0; -1: not hairpin (or not now), the host's path takes it;
 * SL_HP_OFF: the fast path (WHERE) leaves a rule with the fast path off to the guard. */
static __always_inline int sl_hp_translate(const struct sl_pkt *p, const struct sl_nat_cfg *cfg,
					   struct sl_nat_stats *st, int where, struct sl_hp *h)
{
	__u64 now = bpf_ktime_get_ns();
	const struct sl_nat_rule *r;
	struct sl_nat_ct_key rk, ok;
	struct sl_nat_ct *rct, *ct;
	__u32 slot;

	if ((p->proto != IPPROTO_TCP && p->proto != IPPROTO_UDP) || p->frag)
		return -1;
	sl_ct_key_reply(&rk, p->proto, p->saddr, p->sport, p->daddr, p->dport);
	rct = bpf_map_lookup_elem(&sl_nat_ct, &rk);
	if (!rct) {	/* a new connection to a published port? */
		const struct sl_nat_pub *pub = sl_hp_pub(cfg, p);

		if (!pub)
			return -1;
		slot = pub->rule;
		r = bpf_map_lookup_elem(&sl_nat_rules, &slot);
		if (!r)
			return -1;
		if (where == SL_HP_FAST && (r->flags & SL_NAT_F_SLOWPATH))
			return SL_HP_OFF;
		sl_nat_publish_open(p, pub, cfg, st);
		rct = bpf_map_lookup_elem(&sl_nat_ct, &rk);
		if (!rct)
			return -1;
	}
	slot = rct->rule;
	r = bpf_map_lookup_elem(&sl_nat_rules, &slot);
	if (!r)
		return -1;
	if (where == SL_HP_FAST && (r->flags & SL_NAT_F_SLOWPATH))
		return SL_HP_OFF;
	h->rule = slot;
	sl_ct_key_orig(&ok, p->proto, rct->addr, rct->port, p->saddr, p->sport);
	ct = bpf_map_lookup_elem(&sl_nat_ct, &ok);
	if (!ct || ct->expires <= now)
		return -1;	/* ended: the GC takes both halves */
	if (ct->flags & SL_NAT_CT_F_OPENED_IN) {
		/* The request C:cp -> U:P: to the target T:tp, from the gateway G:mp. */
		h->daddr = rct->addr;
		h->dport = rct->port;
		sl_ct_update(ct, p, 1, cfg, now);
		return sl_hp_masq(p, cfg, st, now, h);
	}
	/* The answer T:tp -> G:mp: to the client C:cp, from U:P (the published connection). */
	h->daddr = rct->addr;
	h->dport = rct->port;
	sl_ct_update(ct, p, 1, cfg, now);
	sl_ct_key_orig(&ok, p->proto, p->saddr, p->sport, h->daddr, h->dport);
	ct = bpf_map_lookup_elem(&sl_nat_ct, &ok);
	if (!ct || ct->expires <= now || !(ct->flags & SL_NAT_CT_F_OPENED_IN))
		return -1;
	h->saddr = ct->addr;
	h->sport = ct->port;
	sl_ct_update(ct, p, 0, cfg, now);
	return 0;
}

/* Rewrite P to H: destination, then source, with their checksums. */
static __always_inline int sl_hp_rewrite(struct __sk_buff *skb, const struct sl_pkt *p,
					 const struct sl_hp *h)
{
	struct sl_pkt q = *p;

	if (sl_nat_rewrite(skb, &q, 0, h->daddr, h->dport) >= 0)
		return -1;
	q.daddr = h->daddr;
	q.dport = h->dport;
	if (sl_nat_rewrite(skb, &q, 1, h->saddr, h->sport) >= 0)
		return -1;
	return sl_fib_ttl_dec(skb, p->l3);
}

static __always_inline void sl_hp_count(struct sl_nat_stats *st)
{
	if (st)
		st->hairpin++;
}

/* At a container's port, fast path: a frame the route says is for the host itself. A
 * hairpin packet goes straight to the port of its new destination. Returns a tc verdict,
 * or SL_FAST_SLOW, counted not_forwarded or fastpath_off (the host leg's guard may still
 * take it). */
static __noinline __attribute__((unused)) int sl_nat_hairpin_fast(struct __sk_buff *skb)
{
	const struct sl_nat_cfg *cfg = sl_nat_cfg_get();
	struct sl_nat_stats *st = sl_nat_stats_get();
	struct bpf_fib_lookup fib;
	struct sl_pkt p = {}, q;
	struct sl_port *dp;
	struct sl_hp h = {};
	__u8 tos = 0;
	int rc;

	rc = !cfg || sl_fast_out_parse(skb, &p, &tos) >= 0 ? -1 :
	     sl_hp_translate(&p, cfg, st, SL_HP_FAST, &h);
	if (rc)
		return sl_fast_slow(SL_NAT_FAST_DIR_OUT, rc == SL_HP_OFF ? SL_NAT_SLOW_OFF :
				    SL_NAT_SLOW_NOT_FWDED);
	q = p;
	q.saddr = h.saddr;
	q.daddr = h.daddr;
	q.sport = h.sport;
	q.dport = h.dport;
	/* No neighbour yet: the guard's bpf_redirect_neigh resolves it. */
	rc = sl_fib_route(skb, &q, tos, skb->ifindex, &fib);
	if (rc != BPF_FIB_LKUP_RET_SUCCESS)
		return sl_fast_slow(SL_NAT_FAST_DIR_OUT, rc == BPF_FIB_LKUP_RET_NO_NEIGH ?
				    SL_NAT_SLOW_NO_NEIGH : SL_NAT_SLOW_FIB);
	dp = sl_fast_in_port(h.daddr, fib.dmac);
	if (!dp)
		return sl_fast_slow(SL_NAT_FAST_DIR_OUT, SL_NAT_SLOW_NO_PORT);
	if (sl_hp_rewrite(skb, &p, &h) || sl_fib_set_macs(skb, fib.dmac, fib.smac)) {
		sl_nat_count_drop(st, SL_NAT_DROP_REWRITE);
		return TC_ACT_SHOT;
	}
	sl_hp_count(st);
	sl_count_tx(dp, skb->len);
	sl_fast_count(SL_NAT_FAST_DIR_OUT);
	sl_ev_fast(skb, &p, SL_NAT_FAST_DIR_OUT, dp->ifindex);
	if ((dp->flags & SL_PORT_F_PEER) && dp->ifindex != skb->ifindex)
		return bpf_redirect_peer(dp->ifindex, 0);
	return bpf_redirect(dp->ifindex, 0);
}

/* At a gateway's host leg (tc ingress), the host's path: a hairpin packet is translated and
 * sent back out of the leg to the switch through the host's neighbour entry. Returns a tc
 * verdict, or TC_ACT_UNSPEC when it is not one (the guard goes on). Unused by the fast
 * path's object, which includes this file as well. */
static __noinline __attribute__((unused)) int sl_nat_hairpin_guard(struct __sk_buff *skb)
{
	const struct sl_nat_cfg *cfg = sl_nat_cfg_get();
	struct sl_nat_stats *st = sl_nat_stats_get();
	struct bpf_fib_lookup fib;
	struct sl_pkt p = {}, q;
	struct sl_hp h = {};
	int why = SL_NAT_PASS, rc;
	__u8 tos = 0;

	if (!cfg || skb->protocol != bpf_htons(ETH_P_IP) ||
	    sl_parse_ip(skb, ETH_HLEN, 0, &p, &why) != SL_PARSE_OK || !sl_hp_dst(cfg, p.daddr) ||
	    sl_fast_ip_check(skb, p.l3, &tos) >= 0 || sl_parse_l4(skb, &p, 0, &why) != SL_PARSE_OK ||
	    sl_hp_translate(&p, cfg, st, SL_HP_GUARD, &h))
		return TC_ACT_UNSPEC;
	q = p;
	q.saddr = h.saddr;
	q.daddr = h.daddr;
	q.sport = h.sport;
	q.dport = h.dport;
	rc = sl_fib_route(skb, &q, tos, skb->ifindex, &fib);
	if (rc != BPF_FIB_LKUP_RET_SUCCESS && rc != BPF_FIB_LKUP_RET_NO_NEIGH)
		return TC_ACT_UNSPEC;
	if (sl_hp_rewrite(skb, &p, &h)) {
		sl_nat_count_drop(st, SL_NAT_DROP_REWRITE);
		return TC_ACT_SHOT;
	}
	sl_hp_count(st);
	return sl_fib_redirect_neigh(&fib);
}

#endif
