/* SPDX-License-Identifier: GPL-2.0-only */
/* NAT66 masquerade: rule matching, endpoint-independent mappings, connections, address
 * rewrites with pseudo-header checksums, and fragments; nat.h's logic over IPv6 tables. */
#ifndef SL_NAT6_H
#define SL_NAT6_H

#include "nat.h"
#include "nat6_maps.h"
#include "nat6_parse.h"

/* Per-CPU scratch for NAT66's keys and values: a call chain's stack is 512 bytes in all,
 * and 16-byte addresses fill it fast. Each field has one user at a time. */
struct sl_nat6_scratch {
	struct sl_pkt6 pkt;		/* the packet a hook parsed */
	struct sl_nat6_map_key mk;	/* mapping: internal endpoint */
	struct sl_nat6_map_key mrk;	/* mapping: external endpoint */
	struct sl_nat6_map mv;
	struct sl_nat6_ct rv;		/* connection halves being made */
	struct sl_nat6_ct ov;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sl_nat6_scratch);
} sl_nat6_scratch SEC(".maps");

static __always_inline struct sl_nat6_scratch *sl_nat6_scratch_get(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&sl_nat6_scratch, &zero);
}

/* The NAT66 rule of slot I when it is used and on IFINDEX, with its IPv6 half in *R6. */
static __always_inline const struct sl_nat_rule *sl_nat6_slot(__u32 i, __u32 ifindex,
							      const struct sl_nat6_rule **r6)
{
	__u32 key = i;	/* a copy: see sl_nat_rule_out */
	const struct sl_nat_rule *r = bpf_map_lookup_elem(&sl_nat_rules, &key);

	if (!r || !r->used || !(r->flags & SL_NAT_F_IPV6) || r->out_ifindex != ifindex)
		return NULL;
	*r6 = bpf_map_lookup_elem(&sl_nat6_rules, &key);
	return *r6 ? r : NULL;
}

static __always_inline int sl_nat6_in_prefix(const struct sl_nat6_rule *r6, const __u32 *a)
{
	return !(((a[0] & r6->mask[0]) ^ r6->src[0]) | ((a[1] & r6->mask[1]) ^ r6->src[1]) |
		 ((a[2] & r6->mask[2]) ^ r6->src[2]) | ((a[3] & r6->mask[3]) ^ r6->src[3]));
}

/* The rule masquerading SADDR out of IFINDEX (OUT), or the one whose external address is
 * SADDR on IFINDEX (!OUT). */
static __always_inline const struct sl_nat_rule *sl_nat6_rule(const struct sl_nat_cfg *cfg,
							      __u32 ifindex, const __u32 *addr, int out,
							      const struct sl_nat6_rule **r6, __u32 *slot)
{
	for (__u32 i = 0; i < SL_NAT_RULES_MAX; i++) {
		const struct sl_nat_rule *r;

		if (i >= cfg->nrules)
			break;
		r = sl_nat6_slot(i, ifindex, r6);
		if (r && (out ? sl_nat6_in_prefix(*r6, addr) : sl_addr6_eq((*r6)->ext, addr))) {
			*slot = i;
			return r;
		}
	}
	return NULL;
}

static __always_inline int sl_nat6_claim(struct sl_nat6_map_key *rk, struct sl_nat6_map *owner)
{
	struct sl_nat6_map *cur;

	if (bpf_map_update_elem(&sl_nat6_rmap, rk, owner, BPF_NOEXIST) == 0)
		return 1;
	cur = bpf_map_lookup_elem(&sl_nat6_rmap, rk);
	return cur && sl_addr6_eq(cur->addr, owner->addr) && cur->port == owner->port;
}

struct sl_nat6_probe {
	struct sl_nat6_map_key rk;
	struct sl_nat6_map owner;
	__u32 lo, n, start;
	__u32 found;
	__u64 collisions;
};

static long sl_nat6_probe_one(__u32 i, void *arg)
{
	struct sl_nat6_probe *pr = arg;

	if (!pr->n)
		return 1;
	pr->rk.port = bpf_htons(pr->lo + (pr->start + i) % pr->n);
	if (sl_nat6_claim(&pr->rk, &pr->owner)) {
		pr->found = 1;
		return 1;
	}
	pr->collisions++;
	return 0;
}

/* As sl_nat_port_alloc: the source port when free and allowed, else probes. */
static __always_inline int sl_nat6_port_alloc(const struct sl_nat_rule *r, const struct sl_nat6_rule *r6,
					      __u32 slot, const struct sl_nat_cfg *cfg,
					      const struct sl_pkt6 *p, __u64 now, __be16 *ext_port,
					      struct sl_nat_stats *st)
{
	struct sl_nat6_probe pr = {
		.rk = { .proto = p->b.proto },
		.owner = { .port = p->b.sport, .rule = slot, .last_used = now },
	};
	__u16 sp = bpf_ntohs(p->b.sport), lo = r->port_lo, hi = r->port_hi;

	sl_addr6_cpy(pr.rk.addr, r6->ext);
	sl_addr6_cpy(pr.owner.addr, p->saddr);
	if (!lo || hi < lo) {
		lo = SL_NAT_PORT_LO;
		hi = SL_NAT_PORT_HI;
	}
	if (!(r->flags & SL_NAT_F_RANDOM) && sp &&
	    (!(r->flags & SL_NAT_F_PORTS) || (sp >= lo && sp <= hi))) {
		pr.rk.port = p->b.sport;
		if (sl_nat6_claim(&pr.rk, &pr.owner))
			goto found;
		pr.collisions++;
	}
	pr.lo = lo;
	pr.n = (__u32)hi - lo + 1;
	pr.start = r->flags & SL_NAT_F_RANDOM ? bpf_get_prandom_u32() :
		   sl_nat_hash(p->saddr[3] ^ p->saddr[2], (__u32)p->b.sport << 8 | p->b.proto,
			       cfg->seed);
	bpf_loop(SL_NAT_PROBES, sl_nat6_probe_one, &pr, 0);
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
static __always_inline int sl_nat6_map_get(const struct sl_nat_rule *r, const struct sl_nat6_rule *r6,
					   __u32 slot, const struct sl_nat_cfg *cfg,
					   const struct sl_pkt6 *p, __u64 now, __be16 *ext_port,
					   struct sl_nat_stats *st, struct sl_nat6_scratch *sc)
{
	struct sl_nat6_map *m;
	int why;

	sc->mk = (struct sl_nat6_map_key){ .port = p->b.sport, .proto = p->b.proto };
	sc->mrk = (struct sl_nat6_map_key){ .proto = p->b.proto };
	sc->mv = (struct sl_nat6_map){ .rule = slot, .last_used = now };
	sl_addr6_cpy(sc->mk.addr, p->saddr);
	sl_addr6_cpy(sc->mrk.addr, r6->ext);
	sl_addr6_cpy(sc->mv.addr, r6->ext);
	m = bpf_map_lookup_elem(&sl_nat6_map, &sc->mk);
	if (m && sl_addr6_eq(m->addr, r6->ext)) {
		if (now - m->last_used > SL_NAT_REFRESH_NS)
			m->last_used = now;
		*ext_port = m->port;
		return SL_NAT_PASS;
	}
	if (m)	/* made for an external address that is no longer the rule's */
		bpf_map_delete_elem(&sl_nat6_map, &sc->mk);
	why = sl_nat6_port_alloc(r, r6, slot, cfg, p, now, ext_port, st);
	if (why >= 0)
		return why;
	sc->mrk.port = *ext_port;
	sc->mv.port = *ext_port;
	if (bpf_map_update_elem(&sl_nat6_map, &sc->mk, &sc->mv, BPF_NOEXIST)) {
		bpf_map_delete_elem(&sl_nat6_rmap, &sc->mrk);
		m = bpf_map_lookup_elem(&sl_nat6_map, &sc->mk);
		if (!m || !sl_addr6_eq(m->addr, r6->ext))
			return SL_NAT_DROP_TABLE;
		*ext_port = m->port;
		return SL_NAT_PASS;
	}
	if (st)
		st->allocations++;
	return SL_NAT_PASS;
}

/* Rewrite P's source (SRC) or destination address and port. IPv6 has no header checksum:
 * the address moves the L4 checksum through its pseudo-header (ICMPv6's too). */
static __always_inline int sl_nat6_rewrite(struct __sk_buff *skb, const struct sl_pkt6 *p, int src,
					   const __u32 *addr, __be16 port)
{
	__u32 addr_off = p->b.l3 + (src ? 8 : 24);
	__u32 port_off = src ? p->b.sport_off : p->b.dport_off;
	const __u32 *old = src ? p->saddr : p->daddr;
	__be16 old_port = src ? p->b.sport : p->b.dport;
	__u32 new_addr[4];
	__s64 diff;

	sl_addr6_cpy(new_addr, addr);
	if (!sl_addr6_eq(old, new_addr)) {
		if (p->b.csum_off) {
			diff = bpf_csum_diff((__be32 *)old, 16, (__be32 *)new_addr, 16, 0);
			if (diff < 0 || bpf_l4_csum_replace(skb, p->b.csum_off, 0, diff,
							    BPF_F_PSEUDO_HDR | p->b.csum_flags))
				return SL_NAT_DROP_REWRITE;
		}
		if (bpf_skb_store_bytes(skb, addr_off, new_addr, 16, 0))
			return SL_NAT_DROP_REWRITE;
	}
	if (port_off && old_port != port &&
	    sl_store_port(skb, port_off, old_port, port, p->b.csum_off, p->b.csum_flags))
		return SL_NAT_DROP_REWRITE;
	return SL_NAT_PASS;
}

static __always_inline void sl_nat6_frag_key(struct sl_nat6_frag_key *k, const struct sl_pkt6 *p,
					     int dir)
{
	sl_addr6_cpy(k->saddr, p->saddr);
	sl_addr6_cpy(k->daddr, p->daddr);
	k->id = p->frag_id;
	k->proto = p->b.proto;
	k->dir = dir;
	k->pad[0] = k->pad[1] = 0;
}

/* A first fragment: its followers get the same address. */
static __always_inline void sl_nat6_frag_record(const struct sl_pkt6 *p, int dir, const __u32 *addr)
{
	struct sl_nat6_frag_key k;
	struct sl_nat6_frag v;

	if (!(p->b.frag & SL_IP_MF))
		return;
	sl_nat6_frag_key(&k, p, dir);
	sl_addr6_cpy(v.addr, addr);
	bpf_map_update_elem(&sl_nat6_frag, &k, &v, BPF_ANY);
}

/* A non-first fragment: the address of its first fragment's translation, no L4 header.
 * Outbound ones whose first fragment was not translated never leave. */
static __always_inline int sl_nat6_frag_follow(struct __sk_buff *skb, const struct sl_pkt6 *p, int dir,
					       struct sl_nat_stats *st)
{
	struct sl_nat6_frag_key k;
	struct sl_nat6_frag *f;
	int why;

	sl_nat6_frag_key(&k, p, dir);
	f = bpf_map_lookup_elem(&sl_nat6_frag, &k);
	if (!f)
		return dir == SL_NAT_DIR_ORIG ? SL_NAT_DROP_FRAG : SL_NAT_PASS;
	why = sl_nat6_rewrite(skb, p, dir == SL_NAT_DIR_ORIG, f->addr, 0);
	if (why < 0 && st)
		st->fragments++;
	return why;
}

static __always_inline void sl_ct6_key(struct sl_nat6_ct_key *k, __u8 proto, const __u32 *saddr,
				       __be16 sport, const __u32 *daddr, __be16 dport, __u8 dir)
{
	sl_addr6_cpy(k->saddr, saddr);
	sl_addr6_cpy(k->daddr, daddr);
	k->sport = sport;
	k->dport = dport;
	k->proto = proto;
	k->dir = dir;
	k->pad[0] = k->pad[1] = 0;
}

static __always_inline int sl_ct6_initial_state(const struct sl_pkt6 *p)
{
	return p->b.proto == SL_NAT6_ICMP ? SL_NAT_ST_ICMP : sl_ct_initial_state(&p->b, 0);
}

#include "nat6_flow.h"

#endif
