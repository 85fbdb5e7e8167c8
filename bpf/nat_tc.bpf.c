// SPDX-License-Identifier: GPL-2.0-only
/* The masquerade hooks on an uplink: tc egress translates what the host routes out of it
 * (SNAT), tc ingress translates the replies back (DNAT). Both pass what is not theirs. */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include "lib/nat_icmp.h"
#include "lib/nat_fast.h"
#include "lib/nat_direct.h"
#include "lib/nat_publish.h"

/* TC_ACT_UNSPEC is tcx's "next": programs after ours still see the packet. */
static __always_inline int sl_nat_verdict(struct sl_nat_stats *st, int why)
{
	if (why < 0)
		return TC_ACT_UNSPEC;
	sl_nat_count_drop(st, why);
	return TC_ACT_SHOT;
}

SEC("tc")
int sl_nat_egress(struct __sk_buff *skb)
{
	const struct sl_nat_cfg *cfg = sl_nat_cfg_get();
	struct sl_nat_stats *st = sl_nat_stats_get();
	const struct sl_nat_rule *r;
	struct sl_pkt p = {};
	__u32 slot = 0;
	int why = SL_NAT_PASS, ret;

	if (!cfg || skb->protocol != bpf_htons(ETH_P_IP))
		return TC_ACT_UNSPEC;
	ret = sl_parse_ip(skb, ETH_HLEN, 0, &p, &why);
	if (ret == SL_PARSE_NOT_IPV4)
		return TC_ACT_UNSPEC;
	r = sl_nat_rule_out(cfg, skb->ifindex, p.saddr, &slot);
	if (!r)
		return TC_ACT_UNSPEC;
	/* From here on the packet comes from a masqueraded subnet: translated or dropped. */
	if (ret == SL_PARSE_DROP)
		return sl_nat_verdict(st, why);
	if (ret == SL_PARSE_LATER_FRAG)
		return sl_nat_verdict(st, sl_nat_frag_follow(skb, &p, SL_NAT_DIR_ORIG, st));
	ret = sl_parse_l4(skb, &p, 0, &why);
	if (ret == SL_PARSE_DROP)
		return sl_nat_verdict(st, why);
	if (ret == SL_PARSE_ICMP_ERROR)
		return sl_nat_verdict(st, sl_nat_icmp_error_out(skb, &p, st));
	if (sl_nat_direct_out(&p, r, cfg))
		return TC_ACT_UNSPEC;	/* answers a routed connection: untranslated */
	return sl_nat_verdict(st, sl_nat_snat_flow(skb, &p, r, slot, cfg, st));
}

SEC("tc")
int sl_nat_ingress(struct __sk_buff *skb)
{
	const struct sl_nat_cfg *cfg = sl_nat_cfg_get();
	struct sl_nat_stats *st = sl_nat_stats_get();
	const struct sl_nat_rule *r;
	struct sl_pkt p = {};
	int why = SL_NAT_PASS, ret;
	__u32 slot = 0;

	if (!cfg || skb->protocol != bpf_htons(ETH_P_IP))
		return TC_ACT_UNSPEC;
	ret = sl_parse_ip(skb, ETH_HLEN, 0, &p, &why);
	if (ret == SL_PARSE_NOT_IPV4)
		return TC_ACT_UNSPEC;
	/* To a container's private address, from outside: Docker 28's default, dropped. Only
	 * frames to the uplink's own MAC are the host's to route; frames for other MACs (a
	 * macvlan endpoint on this parent) are no routed access. */
	r = skb->pkt_type == SL_PACKET_HOST ? sl_nat_rule_private(cfg, p.daddr, &slot) : NULL;
	if (r)
		return sl_nat_verdict(st, sl_nat_direct_in(skb, &p, ret, r, slot, cfg));
	if (ret == SL_PARSE_DROP || !(r = sl_nat_rule_in(cfg, skb->ifindex, p.daddr)))
		return TC_ACT_UNSPEC;
	if (ret == SL_PARSE_LATER_FRAG)
		return sl_nat_verdict(st, sl_nat_frag_follow(skb, &p, SL_NAT_DIR_REPLY, st));
	/* Malformed packets to the external address are the host stack's to refuse. */
	ret = sl_parse_l4(skb, &p, 0, &why);
	if (ret == SL_PARSE_DROP)
		return TC_ACT_UNSPEC;
	if (ret == SL_PARSE_ICMP_ERROR)
		return sl_nat_verdict(st, sl_nat_icmp_error_in(skb, &p, st));
	sl_nat_publish_in(&p, skb->ifindex, cfg, st);	/* a new connection to a published port */
	why = sl_nat_dnat_flow(skb, &p, cfg, st);
	if (why >= 0)
		return sl_nat_verdict(st, why);
	return sl_nat_fast_in(skb, &p, p.daddr, r);	/* translated: straight to the container */
}

char LICENSE[] SEC("license") = "GPL";
