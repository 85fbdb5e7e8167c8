/* SPDX-License-Identifier: GPL-2.0-only */
/* Masquerade: rule matching, endpoint-independent port mappings and their allocation,
 * connection creation, header rewrites and fragments, for both directions of the uplink. */
#ifndef SL_NAT_H
#define SL_NAT_H

#include <linux/pkt_cls.h>
#include "nat_maps.h"
#include "csum.h"
#include "l4.h"
#include "ct.h"

/* Verdicts of the helpers below: SL_NAT_PASS, SL_NAT_HELD (nat_frag.h), or a drop reason
 * (>= 0). */
#define SL_NAT_PASS	(-1)

#include "nat_frag.h"

static __always_inline const struct sl_nat_cfg *sl_nat_cfg_get(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&sl_nat_cfg, &zero);
}

/* The rule masquerading SADDR out of IFINDEX. */
static __always_inline const struct sl_nat_rule *sl_nat_rule_out(const struct sl_nat_cfg *cfg,
								 __u32 ifindex, __be32 saddr,
								 __u32 *slot)
{
	for (__u32 i = 0; i < SL_NAT_RULES_MAX; i++) {
		/* A copy as the key: with &i itself the counter lives on the stack and
		 * 6.1's verifier reports "infinite loop detected". */
		__u32 key = i;
		const struct sl_nat_rule *r;

		if (i >= cfg->nrules)
			break;
		r = bpf_map_lookup_elem(&sl_nat_rules, &key);
		if (r && r->used && r->out_ifindex == ifindex &&
		    (saddr & r->src_mask) == r->src_addr) {
			*slot = i;
			return r;
		}
	}
	return NULL;
}

/* The rule whose external address DADDR is on IFINDEX (0: on any uplink). */
static __always_inline const struct sl_nat_rule *sl_nat_rule_in(const struct sl_nat_cfg *cfg,
								__u32 ifindex, __be32 daddr)
{
	for (__u32 i = 0; i < SL_NAT_RULES_MAX; i++) {
		/* A copy as the key: with &i itself the counter lives on the stack and
		 * 6.1's verifier reports "infinite loop detected". */
		__u32 key = i;
		const struct sl_nat_rule *r;

		if (i >= cfg->nrules)
			break;
		r = bpf_map_lookup_elem(&sl_nat_rules, &key);
		if (r && r->used && (!ifindex || r->out_ifindex == ifindex) &&
		    r->ext_addr == daddr)
			return r;
	}
	return NULL;
}

/* Destinations that stay untranslated: the rule's own prefix and the gateways' subnets. */
static __always_inline int sl_nat_dst_excluded(const struct sl_nat_rule *r, __be32 daddr)
{
	struct sl_nat_local_key k = { .prefixlen = 32, .addr = daddr };

	if ((daddr & r->src_mask) == r->src_addr)
		return 1;
	return bpf_map_lookup_elem(&sl_nat_local, &k) != NULL;
}

static __always_inline __u32 sl_nat_hash(__u32 a, __u32 b, __u32 seed)
{
	__u32 h = seed ^ a;

	h ^= h >> 16;
	h *= 0x85ebca6b;
	h ^= b;
	h ^= h >> 13;
	h *= 0xc2b2ae35;
	h ^= h >> 16;
	return h;
}

/* Take external port RK->port for OWNER, unless another endpoint holds it. */
static __always_inline int sl_nat_claim(struct sl_nat_map_key *rk, struct sl_nat_map *owner)
{
	struct sl_nat_map *cur;

	if (bpf_map_update_elem(&sl_nat_rmap, rk, owner, BPF_NOEXIST) == 0)
		return 1;
	cur = bpf_map_lookup_elem(&sl_nat_rmap, rk);	/* ours already (a half-made mapping)? */
	return cur && cur->addr == owner->addr && cur->port == owner->port;
}

struct sl_nat_probe {
	struct sl_nat_map_key rk;	/* external address, candidate port, protocol */
	struct sl_nat_map owner;	/* the internal endpoint */
	__u32 lo, n, start;
	__u32 found;
	__u64 collisions;
};

/* bpf_loop callback: candidate I of the sequence start, start + 1, ... in the range. */
static long sl_nat_probe_one(__u32 i, void *arg)
{
	struct sl_nat_probe *pr = arg;

	if (!pr->n)
		return 1;
	pr->rk.port = bpf_htons(pr->lo + (pr->start + i) % pr->n);
	if (sl_nat_claim(&pr->rk, &pr->owner)) {
		pr->found = 1;
		return 1;
	}
	pr->collisions++;
	return 0;
}

/* An external port for the internal endpoint of P: its source port when free (and allowed),
 * else SL_NAT_PROBES candidates from a hash of the endpoint (or random) onwards. */
static __always_inline int sl_nat_port_alloc(const struct sl_nat_rule *r, __u32 slot,
					     const struct sl_nat_cfg *cfg, const struct sl_pkt *p,
					     __u64 now, __be16 *ext_port, struct sl_nat_stats *st)
{
	struct sl_nat_probe pr = {
		.rk = { .addr = r->ext_addr, .proto = p->proto },
		.owner = { .addr = p->saddr, .port = p->sport, .rule = slot, .last_used = now },
	};
	__u16 sp = bpf_ntohs(p->sport), lo = r->port_lo, hi = r->port_hi;

	if (!lo || hi < lo) {
		lo = SL_NAT_PORT_LO;
		hi = SL_NAT_PORT_HI;
	}
	if (!(r->flags & SL_NAT_F_RANDOM) && sp &&
	    (!(r->flags & SL_NAT_F_PORTS) || (sp >= lo && sp <= hi))) {
		pr.rk.port = p->sport;
		if (sl_nat_claim(&pr.rk, &pr.owner))
			goto found;
		pr.collisions++;
	}
	pr.lo = lo;
	pr.n = (__u32)hi - lo + 1;
	pr.start = r->flags & SL_NAT_F_RANDOM ? bpf_get_prandom_u32() :
		   sl_nat_hash(p->saddr, (__u32)p->sport << 8 | p->proto, cfg->seed);
	bpf_loop(SL_NAT_PROBES, sl_nat_probe_one, &pr, 0);
	if (st)
		st->collisions += pr.collisions;
	if (!pr.found) {
		if (st)
			st->alloc_failed++;
		return SL_NAT_DROP_PORTS;
	}
found:
	*ext_port = pr.rk.port;
	return SL_NAT_PASS;
}

/* The endpoint-independent mapping of P's source: the existing one, or a new one. */
static __always_inline int sl_nat_map_get(const struct sl_nat_rule *r, __u32 slot,
					  const struct sl_nat_cfg *cfg, const struct sl_pkt *p,
					  __u64 now, __be16 *ext_port, struct sl_nat_stats *st)
{
	struct sl_nat_map_key mk = { .addr = p->saddr, .port = p->sport, .proto = p->proto };
	struct sl_nat_map_key rk = { .addr = r->ext_addr, .proto = p->proto };
	struct sl_nat_map mv = { .addr = r->ext_addr, .rule = slot, .last_used = now };
	struct sl_nat_map *m = bpf_map_lookup_elem(&sl_nat_map, &mk);
	int why;

	if (m && m->addr == r->ext_addr) {
		if (now - m->last_used > SL_NAT_REFRESH_NS)
			m->last_used = now;	/* a new flow on it: the GC leaves it alone */
		*ext_port = m->port;
		return SL_NAT_PASS;
	}
	if (m)	/* made for an external address that is no longer the rule's */
		bpf_map_delete_elem(&sl_nat_map, &mk);
	why = sl_nat_port_alloc(r, slot, cfg, p, now, ext_port, st);
	if (why >= 0)
		return why;
	rk.port = *ext_port;
	mv.port = *ext_port;
	if (bpf_map_update_elem(&sl_nat_map, &mk, &mv, BPF_NOEXIST)) {
		/* Another CPU mapped the same endpoint first: give our port back, take theirs. */
		bpf_map_delete_elem(&sl_nat_rmap, &rk);
		m = bpf_map_lookup_elem(&sl_nat_map, &mk);
		if (!m || m->addr != r->ext_addr)
			return SL_NAT_DROP_TABLE;
		*ext_port = m->port;
		return SL_NAT_PASS;
	}
	if (st)
		st->allocations++;
	return SL_NAT_PASS;
}

/* Rewrite P's source (SRC) or destination address and port, checksums included.
 * ICMP's checksum has no pseudo-header: only the identifier moves it. */
static __always_inline int sl_nat_rewrite(struct __sk_buff *skb, const struct sl_pkt *p, int src,
					  __be32 addr, __be16 port)
{
	__u32 addr_off = p->l3 + (src ? offsetof(struct iphdr, saddr) : offsetof(struct iphdr, daddr));
	__u32 port_off = src ? p->sport_off : p->dport_off;
	__be32 old_addr = src ? p->saddr : p->daddr;
	__be16 old_port = src ? p->sport : p->dport;
	__u32 pseudo_csum = p->proto == IPPROTO_ICMP ? 0 : p->csum_off;

	if (old_addr != addr &&
	    sl_store_addr(skb, addr_off, old_addr, addr, p->l3 + offsetof(struct iphdr, check),
			  pseudo_csum, p->csum_flags))
		return SL_NAT_DROP_REWRITE;
	if (port_off && old_port != port &&
	    sl_store_port(skb, port_off, old_port, port, p->csum_off, p->csum_flags))
		return SL_NAT_DROP_REWRITE;
	return SL_NAT_PASS;
}

/* A first fragment: its followers get the same address, and those held wait no more. */
static __always_inline void sl_nat_frag_record(struct __sk_buff *skb, const struct sl_pkt *p,
					       int dir, __be32 addr, struct sl_nat_stats *st)
{
	struct sl_nat_frag_key k = { .saddr = p->saddr, .daddr = p->daddr, .id = p->ip_id,
				     .proto = p->proto, .dir = dir };
	struct sl_nat_frag v = { .addr = addr };

	if (!(p->frag & SL_IP_MF))
		return;
	bpf_map_update_elem(&sl_nat_frag, &k, &v, BPF_ANY);
	sl_nat_frag_release(skb, &k, addr, st);
}

/* A non-first fragment: no L4 header, the address of its first fragment's translation.
 * One that comes before its first is held for the daemon (SL_NAT_HELD) where HOLD says the
 * uplink's hook runs (the daemon re-injects there); without a daemon,
 * outbound ones never leave and inbound ones pass untranslated to the host. */
static __always_inline int sl_nat_frag_follow(struct __sk_buff *skb, const struct sl_pkt *p, int dir,
					      int hold, struct sl_nat_stats *st)
{
	struct sl_nat_frag_key k = { .saddr = p->saddr, .daddr = p->daddr, .id = p->ip_id,
				     .proto = p->proto, .dir = dir };
	struct sl_nat_frag *f = bpf_map_lookup_elem(&sl_nat_frag, &k);
	int why;

	if (!f) {
		if (!hold || sl_nat_frag_hold(skb, &k, st) != SL_NAT_HELD)
			return dir == SL_NAT_DIR_ORIG ? SL_NAT_DROP_FRAG : SL_NAT_PASS;
		/* The first may have been translated on another CPU meanwhile, before it could
		 * see this one held: release it ourselves (the daemon ignores a second release). */
		f = bpf_map_lookup_elem(&sl_nat_frag, &k);
		if (f)
			sl_nat_frag_release(skb, &k, f->addr, st);
		return SL_NAT_HELD;
	}
	why = sl_nat_rewrite(skb, p, dir == SL_NAT_DIR_ORIG, f->addr, 0);
	if (why < 0 && st)
		st->fragments++;
	return why;
}

/* Outbound packet P of rule R: find or create its connection, then translate the source.
 * DST_CHECKED: the caller already knows P's destination is not excluded (the fast path
 * looked before routing), so a new connection skips the second LPM lookup. */
static __always_inline int sl_nat_snat_flow(struct __sk_buff *skb, struct sl_pkt *p,
					    const struct sl_nat_rule *r, __u32 slot,
					    const struct sl_nat_cfg *cfg, struct sl_nat_stats *st,
					    const int dst_checked)
{
	__u64 now = bpf_ktime_get_ns();
	struct sl_nat_ct_key ok, rk;
	struct sl_nat_ct *ct;
	__be16 ext_port;
	__be32 ext_addr;
	int why;

	sl_ct_key_orig(&ok, p->proto, p->saddr, p->sport, p->daddr, p->dport);
	ct = bpf_map_lookup_elem(&sl_nat_ct, &ok);
	if (ct && ct->expires > now && ct->addr == r->ext_addr) {
		sl_ct_update(ct, p, 0, cfg, now);
		ext_addr = ct->addr;
		ext_port = ct->port;
		/* Touch the reply half (it ages in the LRU too) and re-create it if evicted. */
		sl_ct_key_reply(&rk, p->proto, p->daddr, p->dport, ext_addr, ext_port);
		if (!bpf_map_lookup_elem(&sl_nat_ct, &rk)) {
			struct sl_nat_ct rv = { .addr = p->saddr, .port = p->sport, .rule = ct->rule,
						.expires = now };

			if (bpf_map_update_elem(&sl_nat_ct, &rk, &rv, BPF_ANY) == 0 && st)
				st->repaired++;
		}
	} else {
		int s0 = sl_ct_initial_state(p, 0);
		struct sl_nat_ct rv = { .addr = p->saddr, .port = p->sport, .rule = slot,
					.expires = now };
		struct sl_nat_ct ov = { .rule = slot, .born = sl_ct_born(now) };

		if (s0 < 0)
			return SL_NAT_DROP_NO_FLOW;
		if (!dst_checked && sl_nat_dst_excluded(r, p->daddr))
			return SL_NAT_PASS;
		why = sl_nat_map_get(r, slot, cfg, p, now, &ext_port, st);
		if (why >= 0)
			return why;
		ext_addr = r->ext_addr;
		/* Reply half first: the connection exists only once inbound packets find it. The
		 * mapping (rmap) owns the external port, so this key is ours to overwrite. */
		sl_ct_key_reply(&rk, p->proto, p->daddr, p->dport, ext_addr, ext_port);
		if (bpf_map_update_elem(&sl_nat_ct, &rk, &rv, BPF_ANY))
			return SL_NAT_DROP_TABLE;
		ov.addr = ext_addr;
		ov.port = ext_port;
		ov.state = s0;
		ov.expires = now + sl_ct_timeout_ns(cfg, s0);
		if (bpf_map_update_elem(&sl_nat_ct, &ok, &ov, BPF_ANY)) {
			bpf_map_delete_elem(&sl_nat_ct, &rk);
			return SL_NAT_DROP_TABLE;
		}
		if (st)
			st->flows++;
		sl_ev_conn(p, 0, ext_addr, ext_port, s0, SL_EV_CONN_NEW);
	}
	why = sl_nat_rewrite(skb, p, 1, ext_addr, ext_port);
	if (why >= 0)
		return why;
	sl_nat_frag_record(skb, p, SL_NAT_DIR_ORIG, ext_addr, st);
	if (st)
		st->snat_packets++;
	sl_ev_nat_pkt(skb, SL_EV_TRACE, SL_EV_SRC_TRACE, SL_EV_TR_SNAT, SL_EV_HOOK_NAT_EGRESS, p,
		      ext_addr, ext_port);
	return SL_NAT_PASS;
}

/* The state a connection whose ORIG half the LRU evicted is re-created in, from a reply. */
static __always_inline __u8 sl_ct_repair_state(const struct sl_pkt *p)
{
	if (p->proto == IPPROTO_UDP)
		return SL_NAT_ST_UDP_STREAM;
	if (p->proto == IPPROTO_ICMP)
		return SL_NAT_ST_ICMP;
	if (p->tcp_flags & SL_TCP_RST)
		return SL_NAT_ST_CLOSE;
	if (p->tcp_flags & SL_TCP_SYN)
		return SL_NAT_ST_SYN_RECV;
	return SL_NAT_ST_ESTABLISHED;
}

/* Inbound P found no REPLY half (key RK): if the external port's owner has a live ORIG half
 * to P's sender, the LRU evicted the REPLY half alone; re-create it, else P is unsolicited
 * (endpoint-independent mapping, address-and-port-dependent filtering). */
static __always_inline struct sl_nat_ct *sl_nat_reply_repair(const struct sl_pkt *p,
							     const struct sl_nat_ct_key *rk, __u64 now,
							     struct sl_nat_stats *st)
{
	struct sl_nat_map_key mk = { .addr = p->daddr, .port = p->dport, .proto = p->proto };
	struct sl_nat_map *owner = bpf_map_lookup_elem(&sl_nat_rmap, &mk);
	struct sl_nat_ct rv = { .expires = now };
	struct sl_nat_ct_key ok;
	struct sl_nat_ct *ct;

	if (!owner)
		return NULL;	/* not a mapped port: the host's own traffic */
	rv.addr = owner->addr;
	rv.port = owner->port;
	sl_ct_key_orig(&ok, p->proto, rv.addr, rv.port, p->saddr, p->sport);
	ct = bpf_map_lookup_elem(&sl_nat_ct, &ok);
	if (!ct || ct->expires <= now || ct->addr != p->daddr || ct->port != p->dport) {
		if (st)
			st->unsolicited++;
		return NULL;
	}
	rv.rule = ct->rule;
	if (bpf_map_update_elem(&sl_nat_ct, rk, &rv, BPF_NOEXIST) == 0 && st) {
		st->repaired++;
		sl_ev_conn(p, 1, p->daddr, p->dport, ct->state, SL_EV_CONN_REPAIRED);
	}
	return bpf_map_lookup_elem(&sl_nat_ct, rk);
}

/* Inbound packet P to an external address: translate it back if it belongs to a live
 * connection. Anything else is the host's own traffic and passes untouched. */
static __always_inline int sl_nat_dnat_flow(struct __sk_buff *skb, struct sl_pkt *p,
					    const struct sl_nat_cfg *cfg, struct sl_nat_stats *st)
{
	__u64 now = bpf_ktime_get_ns();
	struct sl_nat_ct_key ok, rk;
	struct sl_nat_ct *rct, *ct;
	__be32 in_addr;
	__be16 in_port;
	int why;

	if (p->proto == IPPROTO_ICMP && p->icmp_type != ICMP_ECHOREPLY)
		return SL_NAT_PASS;	/* echo requests are for the host */
	sl_ct_key_reply(&rk, p->proto, p->saddr, p->sport, p->daddr, p->dport);
	rct = bpf_map_lookup_elem(&sl_nat_ct, &rk);
	if (!rct)
		rct = sl_nat_reply_repair(p, &rk, now, st);
	if (!rct)
		return SL_NAT_PASS;
	in_addr = rct->addr;
	in_port = rct->port;
	sl_ct_key_orig(&ok, p->proto, in_addr, in_port, p->saddr, p->sport);
	ct = bpf_map_lookup_elem(&sl_nat_ct, &ok);
	if (ct) {
		if (ct->expires <= now) {
			if (st)
				st->unsolicited++;
			return SL_NAT_PASS;	/* the connection is over */
		}
		sl_ct_update(ct, p, 1, cfg, now);
	} else {
		__u8 s = sl_ct_repair_state(p);
		struct sl_nat_ct ov = { .addr = p->daddr, .port = p->dport, .rule = rct->rule,
					.state = s, .flags = SL_NAT_CT_F_REPLIED,
					.expires = now + sl_ct_timeout_ns(cfg, s) };

		if (bpf_map_update_elem(&sl_nat_ct, &ok, &ov, BPF_NOEXIST) == 0 && st)
			st->repaired++;
	}
	why = sl_nat_rewrite(skb, p, 0, in_addr, in_port);
	if (why >= 0)
		return why;
	sl_nat_frag_record(skb, p, SL_NAT_DIR_REPLY, in_addr, st);
	if (st)
		st->dnat_packets++;
	sl_ev_nat_pkt(skb, SL_EV_TRACE, SL_EV_SRC_TRACE, SL_EV_TR_DNAT, SL_EV_HOOK_NAT_INGRESS, p,
		      in_addr, in_port);
	return SL_NAT_PASS;
}

#endif
