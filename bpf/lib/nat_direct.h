/* SPDX-License-Identifier: GPL-2.0-only */
/* No direct access to containers from the outside (Docker Engine 28's default): packets that
 * arrive on an uplink for a masqueraded subnet are dropped unless the rule says `direct
 * allow`; then they pass routed and untranslated, tracked so the answers leave untranslated. */
#ifndef SL_NAT_DIRECT_H
#define SL_NAT_DIRECT_H

#include "nat.h"

#define SL_PACKET_HOST	0	/* linux/if_packet.h's PACKET_HOST: to the device's own MAC */

/* The rule (and its SLOT) whose masqueraded subnet holds DADDR, on any uplink. */
static __always_inline const struct sl_nat_rule *sl_nat_rule_private(const struct sl_nat_cfg *cfg,
								     __be32 daddr, __u32 *slot)
{
	for (__u32 i = 0; i < SL_NAT_RULES_MAX; i++) {
		__u32 key = i;	/* a copy: 6.1's verifier and a stack counter (see nat.h) */
		const struct sl_nat_rule *r;

		if (i >= cfg->nrules)
			break;
		r = bpf_map_lookup_elem(&sl_nat_rules, &key);
		if (r && r->used && (daddr & r->src_mask) == r->src_addr) {
			*slot = i;
			return r;
		}
	}
	return NULL;
}

/* 1 when the host would forward P (to a container) rather than take it itself: its own
 * addresses in the subnet (the switch's gateway) stay reachable, and a host that does not
 * forward keeps its own judgement. Only packets to a masqueraded subnet pay the lookup. */
static __always_inline int sl_nat_direct_forwarded(struct __sk_buff *skb, const struct sl_pkt *p)
{
	struct bpf_fib_lookup fib = { .family = 2 /* AF_INET */, .l4_protocol = p->proto,
				      .ipv4_src = p->saddr, .ipv4_dst = p->daddr,
				      .ifindex = skb->ifindex };
	long ret = bpf_fib_lookup(skb, &fib, sizeof(fib), 0);

	return ret == BPF_FIB_LKUP_RET_SUCCESS || ret == BPF_FIB_LKUP_RET_NO_NEIGH ||
	       ret == BPF_FIB_LKUP_RET_FRAG_NEEDED;
}

/* P, from the uplink side, is a packet to a container of rule R (PARSED: sl_parse_ip's
 * result). Without `direct allow` it is dropped. With it, it passes untranslated and, when it
 * can open one, a routed connection is kept whose ORIG key is the container's answer, so
 * that the answer is not masqueraded (sl_nat_direct_out). */
static __always_inline int sl_nat_direct_in(struct __sk_buff *skb, struct sl_pkt *p, int parsed,
					    const struct sl_nat_rule *r, __u32 slot,
					    const struct sl_nat_cfg *cfg)
{
	__u64 now = bpf_ktime_get_ns();
	struct sl_nat_ct_key ok;
	struct sl_nat_ct *ct;
	int why = SL_NAT_PASS, s0;

	if (!(r->flags & SL_NAT_F_DIRECT))
		return sl_nat_direct_forwarded(skb, p) ? SL_NAT_DROP_DIRECT : SL_NAT_PASS;
	if (parsed != SL_PARSE_OK || sl_parse_l4(skb, p, 0, &why) != SL_PARSE_OK)
		return SL_NAT_PASS;	/* routed as it is: fragments, errors, malformed */
	sl_ct_key_orig(&ok, p->proto, p->daddr, p->dport, p->saddr, p->sport);
	ct = bpf_map_lookup_elem(&sl_nat_ct, &ok);
	if (ct && ct->expires > now) {
		if (ct->flags & SL_NAT_CT_F_DIRECT)
			sl_ct_update(ct, p, 1, cfg, now);
		return SL_NAT_PASS;
	}
	s0 = sl_ct_initial_state(p, 0);
	if (s0 >= 0 && (p->proto != IPPROTO_ICMP || p->icmp_type == ICMP_ECHO)) {
		struct sl_nat_ct v = { .addr = p->daddr, .port = p->dport, .state = s0,
				       .flags = SL_NAT_CT_F_DIRECT | SL_NAT_CT_F_OPENED_IN,
				       .rule = slot,
				       .born = sl_ct_born(now),
				       .expires = now + sl_ct_timeout_ns(cfg, s0) };

		bpf_map_update_elem(&sl_nat_ct, &ok, &v, BPF_ANY);
	}
	return SL_NAT_PASS;
}

/* P, leaving from a container of rule R: 1 when it answers a routed connection and must
 * leave untranslated. */
static __always_inline int sl_nat_direct_out(const struct sl_pkt *p, const struct sl_nat_rule *r,
					     const struct sl_nat_cfg *cfg)
{
	struct sl_nat_ct_key ok;
	struct sl_nat_ct *ct;
	__u64 now;

	/* Every masqueraded packet asks: the clock (a helper call the compiler cannot drop)
	 * only for rules that allow direct access. */
	if (!(r->flags & SL_NAT_F_DIRECT))
		return 0;
	now = bpf_ktime_get_ns();
	sl_ct_key_orig(&ok, p->proto, p->saddr, p->sport, p->daddr, p->dport);
	ct = bpf_map_lookup_elem(&sl_nat_ct, &ok);
	if (!ct || !(ct->flags & SL_NAT_CT_F_DIRECT) || ct->expires <= now)
		return 0;
	sl_ct_update(ct, p, 0, cfg, now);
	return 1;
}

#endif
