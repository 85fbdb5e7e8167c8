/* SPDX-License-Identifier: GPL-2.0-only */
/* NAT66 connections: outbound packets create or follow a connection and get the external
 * source; inbound ones are translated back only when they belong to a live one. */
#ifndef SL_NAT6_FLOW_H
#define SL_NAT6_FLOW_H

#include "nat6.h"

/* A new connection for outbound P: mapping, REPLY half, then ORIG half. */
static __always_inline int sl_nat6_conn_new(struct sl_pkt6 *p, const struct sl_nat_rule *r,
					    const struct sl_nat6_rule *r6, __u32 slot,
					    const struct sl_nat_cfg *cfg, struct sl_nat_stats *st,
					    const struct sl_nat6_ct_key *ok, struct sl_nat6_ct_key *rk,
					    __u64 now, __be16 *ext_port, struct sl_nat6_scratch *sc)
{
	int s0 = sl_ct6_initial_state(p), why;

	if (s0 < 0)
		return SL_NAT_DROP_NO_FLOW;
	why = sl_nat6_map_get(r, r6, slot, cfg, p, now, ext_port, st, sc);
	if (why >= 0)
		return why;
	sc->rv = (struct sl_nat6_ct){ .c = { .port = p->b.sport, .rule = slot, .expires = now } };
	sl_addr6_cpy(sc->rv.addr, p->saddr);
	sl_ct6_key(rk, p->b.proto, p->daddr, p->b.dport, r6->ext, *ext_port, SL_NAT_DIR_REPLY);
	if (bpf_map_update_elem(&sl_nat6_ct, rk, &sc->rv, BPF_ANY))
		return SL_NAT_DROP_TABLE;
	sc->ov = (struct sl_nat6_ct){ .c = { .rule = slot, .born = sl_ct_born(now) } };
	sl_addr6_cpy(sc->ov.addr, r6->ext);
	sc->ov.c.port = *ext_port;
	sc->ov.c.state = s0;
	sc->ov.c.expires = now + sl_ct_timeout_ns(cfg, s0);
	if (bpf_map_update_elem(&sl_nat6_ct, ok, &sc->ov, BPF_ANY)) {
		bpf_map_delete_elem(&sl_nat6_ct, rk);
		return SL_NAT_DROP_TABLE;
	}
	if (st) {
		st->flows++;
		st->flows6++;
	}
	return SL_NAT_PASS;
}

/* The subprograms below are global: the verifier checks each once, on its own, instead of
 * once per call path (6.1's ran out of its 1M instructions otherwise). */

/* Outbound packet P of rule R: find or create its connection, then translate the source. */
__noinline int sl_nat6_snat_flow(struct __sk_buff *skb, struct sl_pkt6 *p, __u32 slot)
{
	const struct sl_nat_cfg *cfg = sl_nat_cfg_get();
	struct sl_nat_stats *st = sl_nat_stats_get();
	const struct sl_nat6_rule *r6 = NULL;
	const struct sl_nat_rule *r = sl_nat6_slot(slot, skb->ifindex, &r6);
	struct sl_nat6_scratch *sc = sl_nat6_scratch_get();
	__u64 now = bpf_ktime_get_ns();
	struct sl_nat6_ct_key ok, rk;
	struct sl_nat6_ct *ct;
	__be16 ext_port;
	int why;

	if (!p || !cfg || !r || !r6 || !sc)
		return SL_NAT_PASS;	/* the rule went away since the lookup */
	if (sl_nat6_in_prefix(r6, p->daddr))
		return SL_NAT_PASS;	/* the rule's own prefix: never translated */
	sl_ct6_key(&ok, p->b.proto, p->saddr, p->b.sport, p->daddr, p->b.dport, SL_NAT_DIR_ORIG);
	ct = bpf_map_lookup_elem(&sl_nat6_ct, &ok);
	if (ct && ct->c.expires > now && sl_addr6_eq(ct->addr, r6->ext)) {
		sl_ct_update(&ct->c, &p->b, 0, cfg, now);
		ext_port = ct->c.port;
		sl_ct6_key(&rk, p->b.proto, p->daddr, p->b.dport, r6->ext, ext_port,
			   SL_NAT_DIR_REPLY);
		if (!bpf_map_lookup_elem(&sl_nat6_ct, &rk)) {	/* the LRU took the reply half */
			sc->rv = (struct sl_nat6_ct){ .c = { .port = p->b.sport, .rule = ct->c.rule,
							     .expires = now } };
			sl_addr6_cpy(sc->rv.addr, p->saddr);
			if (bpf_map_update_elem(&sl_nat6_ct, &rk, &sc->rv, BPF_ANY) == 0 && st)
				st->repaired++;
		}
	} else {
		why = sl_nat6_conn_new(p, r, r6, slot, cfg, st, &ok, &rk, now, &ext_port, sc);
		if (why >= 0)
			return why;
	}
	why = sl_nat6_rewrite(skb, p, 1, r6->ext, ext_port);
	if (why >= 0)
		return why;
	sl_nat6_frag_record(p, SL_NAT_DIR_ORIG, r6->ext);
	if (st) {
		st->snat_packets++;
		st->snat6_packets++;
	}
	return SL_NAT_PASS;
}

/* Inbound packet P to an external address: translated back when it belongs to a live
 * connection (address-and-port-dependent filtering); anything else passes to the host. */
__noinline int sl_nat6_dnat_flow(struct __sk_buff *skb, struct sl_pkt6 *p)
{
	const struct sl_nat_cfg *cfg = sl_nat_cfg_get();
	struct sl_nat_stats *st = sl_nat_stats_get();
	__u64 now = bpf_ktime_get_ns();
	struct sl_nat6_ct_key ok, rk;
	struct sl_nat6_ct *rct, *ct;
	__u32 in_addr[4];
	__be16 in_port;
	int why;

	if (!p || !cfg)
		return SL_NAT_PASS;
	if (p->b.proto == SL_NAT6_ICMP && p->b.icmp_type != SL_ICMP6_ECHOREPLY)
		return SL_NAT_PASS;	/* echo requests and ND are the host's */
	sl_ct6_key(&rk, p->b.proto, p->saddr, p->b.sport, p->daddr, p->b.dport, SL_NAT_DIR_REPLY);
	rct = bpf_map_lookup_elem(&sl_nat6_ct, &rk);
	if (!rct) {
		struct sl_nat6_map_key mk = { .port = p->b.dport, .proto = p->b.proto };

		sl_addr6_cpy(mk.addr, p->daddr);
		if (st && bpf_map_lookup_elem(&sl_nat6_rmap, &mk))
			st->unsolicited++;	/* a mapped port, from an endpoint never addressed */
		return SL_NAT_PASS;
	}
	sl_addr6_cpy(in_addr, rct->addr);
	in_port = rct->c.port;
	sl_ct6_key(&ok, p->b.proto, in_addr, in_port, p->saddr, p->b.sport, SL_NAT_DIR_ORIG);
	ct = bpf_map_lookup_elem(&sl_nat6_ct, &ok);
	if (!ct || ct->c.expires <= now) {
		if (st)
			st->unsolicited++;
		return SL_NAT_PASS;	/* the connection is over (or its state was evicted) */
	}
	sl_ct_update(&ct->c, &p->b, 1, cfg, now);
	why = sl_nat6_rewrite(skb, p, 0, in_addr, in_port);
	if (why >= 0)
		return why;
	sl_nat6_frag_record(p, SL_NAT_DIR_REPLY, in_addr);
	if (st) {
		st->dnat_packets++;
		st->dnat6_packets++;
	}
	return SL_NAT_PASS;
}

#endif
