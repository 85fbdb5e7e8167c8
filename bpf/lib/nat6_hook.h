/* SPDX-License-Identifier: GPL-2.0-only */
/* NAT66 on the uplink's hooks (global subprograms: own stack frames, verified once): what sl_nat_egress and sl_nat_ingress do for IPv4, for
 * IPv6 frames. Returns SL_NAT_PASS or a drop reason; the caller turns it into a verdict. */
#ifndef SL_NAT6_HOOK_H
#define SL_NAT6_HOOK_H

#include "nat6_icmp.h"

__noinline int sl_nat6_egress(struct __sk_buff *skb)
{
	const struct sl_nat_cfg *cfg = sl_nat_cfg_get();
	struct sl_nat_stats *st = sl_nat_stats_get();
	struct sl_nat6_scratch *sc = sl_nat6_scratch_get();
	struct sl_pkt6 *pp;
	const struct sl_nat6_rule *r6 = NULL;
	const struct sl_nat_rule *r;
	int why = SL_NAT_PASS, ret;
	__u32 slot = 0;

	if (!cfg || !sc)
		return SL_NAT_PASS;
	pp = &sc->pkt;	/* in the scratch: 6.1 adds up the stack of a whole call chain */
	__builtin_memset(pp, 0, sizeof(*pp));
	ret = sl_parse_ip6(skb, ETH_HLEN, 0, pp, &why);
	if (ret == SL_PARSE_NOT_IPV4)
		return SL_NAT_PASS;
	r = sl_nat6_rule(cfg, skb->ifindex, pp->saddr, 1, &r6, &slot);
	if (!r || !r6)
		return SL_NAT_PASS;
	/* From here on the packet comes from a masqueraded prefix: translated or dropped. */
	if (ret == SL_PARSE_DROP)
		return why;
	if (ret == SL_PARSE_LATER_FRAG)
		return sl_nat6_frag_follow(skb, pp, SL_NAT_DIR_ORIG, st);
	ret = sl_parse_l4_6(skb, pp, 0, &why);
	if (ret == SL_PARSE_DROP)
		return why;
	if (ret == SL_PARSE_ICMP_ERROR)
		return sl_nat6_icmp_error_out(skb, pp);
	return sl_nat6_snat_flow(skb, pp, slot);
}

__noinline int sl_nat6_ingress(struct __sk_buff *skb)
{
	const struct sl_nat_cfg *cfg = sl_nat_cfg_get();
	struct sl_nat_stats *st = sl_nat_stats_get();
	struct sl_nat6_scratch *sc = sl_nat6_scratch_get();
	struct sl_pkt6 *pp;
	const struct sl_nat6_rule *r6 = NULL;
	int why = SL_NAT_PASS, ret;
	__u32 slot = 0;

	if (!cfg || !sc)
		return SL_NAT_PASS;
	pp = &sc->pkt;	/* in the scratch: 6.1 adds up the stack of a whole call chain */
	__builtin_memset(pp, 0, sizeof(*pp));
	ret = sl_parse_ip6(skb, ETH_HLEN, 0, pp, &why);
	if (ret == SL_PARSE_NOT_IPV4 || ret == SL_PARSE_DROP ||
	    !sl_nat6_rule(cfg, skb->ifindex, pp->daddr, 0, &r6, &slot))
		return SL_NAT_PASS;
	if (ret == SL_PARSE_LATER_FRAG)
		return sl_nat6_frag_follow(skb, pp, SL_NAT_DIR_REPLY, st);
	/* Malformed packets to the external address are the host stack's to refuse. */
	ret = sl_parse_l4_6(skb, pp, 0, &why);
	if (ret == SL_PARSE_DROP)
		return SL_NAT_PASS;
	if (ret == SL_PARSE_ICMP_ERROR)
		return sl_nat6_icmp_error_in(skb, pp);
	return sl_nat6_dnat_flow(skb, pp);
}

/* A drop is counted; monitor events carry IPv4 tuples, so IPv6 drops are counted only. */
static __always_inline int sl_nat6_verdict(struct __sk_buff *skb, int why, int hook)
{
	struct sl_nat_stats *st = sl_nat_stats_get();
	__u64 i = (__u32)why;

	if (why < 0)
		return TC_ACT_UNSPEC;
	/* A global subprogram's result is any scalar: check it on the register the index
	 * uses (as sl_ct_timeout_ns does). */
	asm volatile("" : "+r"(i));
	if (i >= SL_NAT_DROP_MAX)
		i = SL_NAT_DROP_REWRITE;
	if (st)
		st->drops[i]++;
	return TC_ACT_SHOT;
}

#endif
