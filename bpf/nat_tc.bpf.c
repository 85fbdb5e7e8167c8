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
#include "lib/nat6_hook.h"

/* TC_ACT_UNSPEC is tcx's "next": programs after ours still see the packet. */
static __always_inline int sl_nat_verdict_ev(struct __sk_buff *skb, const struct sl_pkt *p,
					     struct sl_nat_stats *st, int why)
{
	/* The daemon has it: not a NAT drop. TC_ACT_SHOT, not STOLEN: tcx reads STOLEN as
	 * "next" and would let the fragment leave untranslated as well. */
	if (why == SL_NAT_HELD)
		return TC_ACT_SHOT;
	if (why < 0)
		return TC_ACT_UNSPEC;
	sl_nat_count_drop(st, why);
	/* Ingress sees its own device as ingress_ifindex; egress the one the packet came in on. */
	sl_ev_nat_drop(skb, skb->ingress_ifindex == skb->ifindex ? SL_EV_HOOK_NAT_INGRESS :
			    SL_EV_HOOK_NAT_EGRESS, p, why);
	return TC_ACT_SHOT;
}
/* Every verdict below is taken where skb and p are in scope. */
#define sl_nat_verdict(st, why) sl_nat_verdict_ev(skb, &p, st, why)

/* DNAT; an inbound packet the NAT passed as unsolicited is shown to a monitor. */
static __always_inline int sl_nat_dnat_ev(struct __sk_buff *skb, struct sl_pkt *p,
					  const struct sl_nat_cfg *cfg, struct sl_nat_stats *st)
{
	__u64 unsolicited = st ? st->unsolicited : 0;	/* per-CPU: only this packet moves it */
	int why = sl_nat_dnat_flow(skb, p, cfg, st);

	if (st && st->unsolicited != unsolicited)
		sl_ev_nat_pkt(skb, SL_EV_DROP, SL_EV_SRC_NAT_NOTE, SL_EV_NOTE_UNSOLICITED,
			      SL_EV_HOOK_NAT_INGRESS, p, 0, 0);
	return why;
}

/* The IPv4 hooks are subprograms as NAT66's are (nat6_hook.h): the verifier adds up the
 * stack of a call chain, and the program's own frame would hold both families' locals. */
static __noinline int sl_nat4_egress(struct __sk_buff *skb)
{
	const struct sl_nat_cfg *cfg = sl_nat_cfg_get();
	struct sl_nat_stats *st;
	const struct sl_nat_rule *r;
	struct sl_pkt p = {};
	__u32 slot = 0;
	int why = SL_NAT_PASS, ret;
	__be32 saddr;

	if (!cfg || skb->protocol != bpf_htons(ETH_P_IP))
		return TC_ACT_UNSPEC;
	/* Only the source address picks a rule, and most packets here match none: the fast
	 * path's (translated already, redirected through this hook) and the host's own. So
	 * the 4 bytes first, the parse and the counters only for a masqueraded source. The
	 * verdicts are the same as parsing first: no rule, or no IPv4 header, passes. */
	if (bpf_skb_load_bytes(skb, ETH_HLEN + offsetof(struct iphdr, saddr), &saddr, 4))
		return TC_ACT_UNSPEC;
	r = sl_nat_rule_out(cfg, skb->ifindex, saddr, &slot);
	if (!r)
		return TC_ACT_UNSPEC;
	ret = sl_parse_ip(skb, ETH_HLEN, 0, &p, &why);
	if (ret == SL_PARSE_NOT_IPV4)
		return TC_ACT_UNSPEC;
	st = sl_nat_stats_get();
	/* From here on the packet comes from a masqueraded subnet: translated or dropped. */
	if (ret == SL_PARSE_DROP)
		return sl_nat_verdict(st, why);
	if (ret == SL_PARSE_LATER_FRAG)
		return sl_nat_verdict(st, sl_nat_frag_follow(skb, &p, SL_NAT_DIR_ORIG, 1, st));
	ret = sl_parse_l4(skb, &p, 0, &why);
	if (ret == SL_PARSE_DROP)
		return sl_nat_verdict(st, why);
	if (ret == SL_PARSE_ICMP_ERROR)
		return sl_nat_verdict(st, sl_nat_icmp_error_out(skb, &p, st));
	if (sl_nat_direct_out(&p, r, cfg))
		return TC_ACT_UNSPEC;	/* answers a routed connection: untranslated */
	return sl_nat_verdict(st, sl_nat_snat_flow(skb, &p, r, slot, cfg, st, 0));
}

static __noinline int sl_nat4_ingress(struct __sk_buff *skb)
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
		return sl_nat_verdict(st, sl_nat_frag_follow(skb, &p, SL_NAT_DIR_REPLY, 1, st));
	/* Malformed packets to the external address are the host stack's to refuse. */
	ret = sl_parse_l4(skb, &p, 0, &why);
	if (ret == SL_PARSE_DROP)
		return TC_ACT_UNSPEC;
	if (ret == SL_PARSE_ICMP_ERROR)
		return sl_nat_verdict(st, sl_nat_icmp_error_in(skb, &p, st));
	sl_nat_publish_in(&p, skb->ifindex, cfg, st);	/* a new connection to a published port */
	why = sl_nat_dnat_ev(skb, &p, cfg, st);
	if (why >= 0)
		return sl_nat_verdict(st, why);
	return sl_nat_fast_in(skb, &p, p.daddr, r);	/* translated: straight to the container */
}

SEC("tc")
int sl_nat_egress(struct __sk_buff *skb)
{
	if (skb->protocol == bpf_htons(ETH_P_IPV6))
		return sl_nat6_verdict(skb, sl_nat6_egress(skb), SL_EV_HOOK_NAT_EGRESS);
	return sl_nat4_egress(skb);
}

/* IPv6 takes the slow path only: the fast path is IPv4's (docs/ipv6.md). */
SEC("tc")
int sl_nat_ingress(struct __sk_buff *skb)
{
	if (skb->protocol == bpf_htons(ETH_P_IPV6))
		return sl_nat6_verdict(skb, sl_nat6_ingress(skb), SL_EV_HOOK_NAT_INGRESS);
	return sl_nat4_ingress(skb);
}

/* On each gateway's host leg (tc ingress, where container traffic enters the host stack):
 * hairpin connections to published ports the fast path left are translated here; and while a rule's uplink is gone or carries no hook, what the host would route out of its
 * subnet leaves untranslated, so it is dropped and counted: fail closed (issue #13). */
SEC("tc")
int sl_nat_guard(struct __sk_buff *skb)
{
	const struct sl_nat_cfg *cfg = sl_nat_cfg_get();
	struct bpf_fib_lookup fib = {};
	const struct sl_nat_rule *r = NULL;
	struct iphdr ip;
	int ret;

	ret = sl_nat_hairpin_guard(skb);	/* the host's path of a hairpin (fastpath off) */
	if (ret != TC_ACT_UNSPEC)
		return ret;
	if (!cfg || skb->protocol != bpf_htons(ETH_P_IP) ||
	    bpf_skb_load_bytes(skb, ETH_HLEN, &ip, sizeof(ip)))
		return TC_ACT_UNSPEC;
	for (__u32 i = 0; i < SL_NAT_RULES_MAX; i++) {
		__u32 key = i;	/* a copy: see sl_nat_rule_out */
		const struct sl_nat_rule *q;

		if (i >= cfg->nrules)
			break;
		q = bpf_map_lookup_elem(&sl_nat_rules, &key);
		if (q && q->used && (ip.saddr & q->src_mask) == q->src_addr) {
			r = q;
			break;
		}
	}
	if (!r || bpf_map_lookup_elem(&sl_nat_uplinks, &r->out_ifindex) ||
	    sl_nat_dst_excluded(r, ip.daddr))
		return TC_ACT_UNSPEC;
	fib.family = 2;	/* AF_INET */
	fib.tos = ip.tos;
	fib.l4_protocol = ip.protocol;
	fib.tot_len = bpf_ntohs(ip.tot_len);
	fib.ipv4_src = ip.saddr;
	fib.ipv4_dst = ip.daddr;
	fib.ifindex = skb->ifindex;
	ret = bpf_fib_lookup(skb, &fib, sizeof(fib), 0);
	/* Local or unroutable: the host stack's to take or refuse. */
	if (ret != BPF_FIB_LKUP_RET_SUCCESS && ret != BPF_FIB_LKUP_RET_NO_NEIGH)
		return TC_ACT_UNSPEC;
	sl_nat_count_drop(sl_nat_stats_get(), SL_NAT_DROP_UPLINK_GONE);
	return TC_ACT_SHOT;
}

char LICENSE[] SEC("license") = "GPL";
