// SPDX-License-Identifier: GPL-2.0-only
/* tc ingress hook of every switch port: admission, learning, unicast
 * redirect (straight into the container where possible) and VLAN-aware flooding. */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include "lib/tc_l2.h"
#include "sluice_nat_fast.h"

/* The NAT's outbound fast path, filled while NAT rules exist: empty, the call falls through. */
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, SL_NAT_FAST_SLOTS);
	__type(key, __u32);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_gw_prog SEC(".maps");
#include "lib/events_l2.h"
#include "lib/vxlan.h"

struct sl_flood_ctx {
	struct __sk_buff *skb;
	const struct sl_flood *fl;
	__u32 from, ingress;
	__u16 vid;
};

/* bpf_loop callback: clone the frame to ifindex[from + i], unless it is the
 * ingress port. bpf_loop keeps the verifier's cost flat in SL_FLOOD_MAX. */
static long sl_tc_flood_one(__u32 i, void *arg)
{
	struct sl_flood_ctx *fc = arg;
	__u32 idx = fc->from + i, ifx;
	struct sl_port *dp;

	if (idx >= SL_FLOOD_MAX)
		return 1;
	ifx = fc->fl->ifindex[idx];
	if (ifx == fc->ingress)
		return 0;
	dp = sl_port_of(ifx);
	if (dp && (dp->flags & SL_PORT_F_VXLAN))
		sl_vx_flood(fc->skb, dp, fc->vid);	/* one copy per remote host */
	else if (bpf_clone_redirect(fc->skb, ifx, 0) == 0 && dp)
		sl_count_tx(dp, fc->skb->len);
	return 0;
}

static __always_inline void sl_tc_flood_range(struct __sk_buff *skb, const struct sl_flood *fl,
					      __u32 from, __u32 to, __u32 ingress, __u16 vid)
{
	struct sl_flood_ctx fc = { .skb = skb, .fl = fl, .from = from, .ingress = ingress,
				   .vid = vid };

	if (to > SL_FLOOD_MAX)
		to = SL_FLOOD_MAX;
	if (to > from)
		bpf_loop(to - from, sl_tc_flood_one, &fc, 0);
}

/* Untagged members first, then push the tag once for the tagged ones. */
static __always_inline int sl_tc_flood(struct __sk_buff *skb, const struct sl_port *port,
				       struct sl_frame *f, struct sl_port_stats *s)
{
	struct sl_flood_key k = { .switch_id = port->switch_id, .vid = f->vid };
	struct sl_flood *fl = bpf_map_lookup_elem(&sl_flood, &k);
	__u32 tagged_from, count;

	if (!fl) {
		sl_count_drop(s, SL_DROP_NO_FLOOD);
		sl_ev_drop_skb(skb, SL_EV_HOOK_TC, port->ifindex, port, NULL, f, SL_DROP_NO_FLOOD);
		return TC_ACT_SHOT;
	}
	tagged_from = fl->tagged_from;
	count = fl->count;
	if (s)
		s->flooded++;
	sl_ev_skb(skb, SL_EV_TRACE, SL_EV_TR_FLOODED, SL_EV_HOOK_TC, port->ifindex, port, NULL, f, 0);
	if (tagged_from > 0) {
		if (sl_tc_vlan_set(skb, f, 0))
			goto vlan_fail;
		sl_tc_flood_range(skb, fl, 0, tagged_from, port->ifindex, f->vid);
	}
	if (count > tagged_from) {
		if (sl_tc_vlan_set(skb, f, 1))
			goto vlan_fail;
		sl_tc_flood_range(skb, fl, tagged_from, count, port->ifindex, f->vid);
	}
	return TC_ACT_SHOT;	/* every copy has left; the original is done */
vlan_fail:
	sl_count_drop(s, SL_DROP_VLAN_OP);
	sl_ev_drop_skb(skb, SL_EV_HOOK_TC, port->ifindex, port, NULL, f, SL_DROP_VLAN_OP);
	return TC_ACT_SHOT;
}

SEC("tc")
int sl_tc_ingress(struct __sk_buff *skb)
{
	__u32 in = skb->ifindex;
	struct sl_port *port = sl_port_of(in);
	struct sl_port_stats *s = sl_stats_of(port);
	struct sl_frame f = {};
	struct sl_l2 l2 = {};
	struct sl_port *dp;
	__u8 meta;
	int why;

	if (s) {
		s->rx_packets++;
		s->rx_bytes += skb->len;
	}
	if (!port) {
		why = SL_DROP_NO_SWITCH;
		goto drop;
	}
	why = sl_tc_parse(skb, &l2, &meta);
	if (why >= 0)
		goto drop;
	f.tag_meta = meta;
	if (port->flags & SL_PORT_F_VXLAN)
		why = sl_vx_admit(skb, port, s, &l2, &f);
	else
		why = sl_admit(port, s, &l2, &f);
	if (why >= 0)
		goto drop;
	dp = sl_unicast_dest(port, &f, l2.eth->h_dest, &why);
	if (why >= 0)
		goto drop;
	if (!dp)
		return sl_tc_flood(skb, port, &f, s);
	/* An untagged IPv4 frame for the host to route: the NAT may route it itself. */
	if ((dp->flags & SL_PORT_F_GATEWAY) && l2.proto == bpf_htons(ETH_P_IP) && !f.has_tag &&
	    !sl_vlan_egress_tagged(dp, f.vid)) {
		skb->cb[0] = dp->ifindex;
		bpf_tail_call(skb, &sl_gw_prog, SL_NAT_FAST_OUT);
	}
	if (dp->flags & SL_PORT_F_VXLAN) {
		why = sl_vx_unicast(skb, dp, &f, l2.eth->h_dest);
		if (why >= 0)
			goto drop;
		sl_count_tx(dp, skb->len);
		return bpf_redirect(dp->ifindex, 0);
	}
	if (sl_tc_vlan_set(skb, &f, sl_vlan_egress_tagged(dp, f.vid))) {
		why = SL_DROP_VLAN_OP;
		goto drop;
	}
	sl_count_tx(dp, skb->len);
	sl_ev_skb(skb, SL_EV_TRACE, SL_EV_TR_UNICAST, SL_EV_HOOK_TC, in, port, &l2, &f, dp->ifindex);
	if (dp->flags & SL_PORT_F_PEER)
		return bpf_redirect_peer(dp->ifindex, 0);
	return bpf_redirect(dp->ifindex, 0);
drop:
	sl_count_drop(s, why);
	sl_ev_drop_skb(skb, SL_EV_HOOK_TC, in, port, &l2, &f, why);
	return TC_ACT_SHOT;
}

char LICENSE[] SEC("license") = "GPL";
