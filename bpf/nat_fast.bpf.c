// SPDX-License-Identifier: GPL-2.0-only
/* The NAT's outbound fast path, tail-called by a switch port's tc program for an IPv4 frame
 * to its gateway: routed and translated here, or switched to the gateway as before. */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include "lib/nat_fast.h"

/* The switch's own decision, which the tail call replaced: the gateway port. */
static __always_inline int sl_fast_to_gateway(struct __sk_buff *skb, __u32 gw)
{
	struct sl_port *dp = bpf_map_lookup_elem(&sl_ports, &gw);

	if (!dp)
		return TC_ACT_SHOT;	/* removed since the switch looked: as a stale FDB would */
	sl_count_tx(dp, skb->len);
	if (dp->flags & SL_PORT_F_PEER)
		return bpf_redirect_peer(dp->ifindex, 0);
	return bpf_redirect(dp->ifindex, 0);
}

SEC("tc")
int sl_nat_fast(struct __sk_buff *skb)
{
	__u32 gw = skb->cb[0];	/* the gateway port, set by the switch */
	int verdict = sl_nat_fast_out(skb);

	if (verdict == SL_FAST_LOCAL)	/* to the host itself: a hairpin to a published port? */
		verdict = sl_nat_hairpin_fast(skb);
	if (verdict != SL_FAST_SLOW)
		return verdict;
	return sl_fast_to_gateway(skb, gw);
}

char LICENSE[] SEC("license") = "GPL";
