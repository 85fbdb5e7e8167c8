// SPDX-License-Identifier: GPL-2.0-only
/* tc hooks of a macvlan endpoint, on its device inside the container's netns.
 * Bridge-mode macvlans reach each other without any hook of the parent, and the
 * parent hands LAN broadcasts to every macvlan on it; so the endpoint itself is
 * where its VLAN and anti-spoofing are enforced. Each endpoint loads its own copy
 * of these programs with its ports key in .rodata (its ifindex means nothing
 * outside its netns). On the parent's wire VLAN 1 is untagged, others tagged.
 * Passing is TC_ACT_UNSPEC, tcx's "next": other programs on the device still run. */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include "lib/tc_l2.h"
#include "lib/events_l2.h"

const volatile __u32 sl_ep_key = 0;

/* Container -> wire: admitted like a switch port's ingress, then tagged for the wire. */
SEC("tc")
int sl_ep_egress(struct __sk_buff *skb)
{
	__u32 key = sl_ep_key;
	struct sl_port *port = bpf_map_lookup_elem(&sl_ports, &key);
	struct sl_port_stats *s = sl_stats_of(port);
	struct sl_frame f = {};
	struct sl_l2 l2 = {};
	__u8 meta;
	int why;

	if (s) {
		s->rx_packets++;
		s->rx_bytes += skb->len;
	}
	if (!port || !port->switch_id) {
		why = SL_DROP_NO_SWITCH;
		goto drop;
	}
	why = sl_tc_parse(skb, &l2, &meta);
	if (why >= 0)
		goto drop;
	if (sl_mac_is_mcast(l2.eth->h_source)) {
		why = SL_DROP_SRC_MCAST;
		goto drop;
	}
	why = sl_vlan_classify(port, l2.tagged, l2.tci, l2.tag_proto, l2.proto, &f);
	if (why >= 0)
		goto drop;
	why = sl_spoof_check(port, l2.eth, l2.l3, l2.data_end, l2.proto);
	if (why >= 0)
		goto drop;
	f.tag_meta = meta;
	if (sl_tc_vlan_set(skb, &f, f.vid != SL_LAN_NATIVE_VID)) {
		why = SL_DROP_VLAN_OP;
		goto drop;
	}
	return TC_ACT_UNSPEC;
drop:
	sl_count_drop(s, why);
	sl_ev_drop_skb(skb, SL_EV_HOOK_EP_EGRESS, key, port, &l2, &f, why);
	return TC_ACT_SHOT;
}

/* Wire -> container: only frames of the endpoint's VLANs, tagged as it wants them. */
SEC("tc")
int sl_ep_ingress(struct __sk_buff *skb)
{
	__u32 key = sl_ep_key;
	struct sl_port *port = bpf_map_lookup_elem(&sl_ports, &key);
	struct sl_port_stats *s = sl_stats_of(port);
	struct sl_frame f = {};
	struct sl_l2 l2 = {};
	__u16 vid;
	__u8 meta;
	int why;

	if (!port || !port->switch_id) {
		why = SL_DROP_NO_SWITCH;
		goto drop;
	}
	why = sl_tc_parse(skb, &l2, &meta);
	if (why >= 0)
		goto drop;
	if (l2.tagged && (l2.tag_proto == bpf_htons(ETH_P_8021AD) || sl_proto_is_vlan(l2.proto))) {
		why = SL_DROP_VLAN_QINQ;
		goto drop;
	}
	vid = l2.tagged ? l2.tci & SL_VID_MASK : 0;
	if (vid == SL_VID_MASK) {
		why = SL_DROP_VLAN_INVALID;
		goto drop;
	}
	if (!vid)	/* untagged or priority-tagged: the wire's native VLAN */
		vid = SL_LAN_NATIVE_VID;
	if (!sl_port_member(port, vid)) {
		why = SL_DROP_VLAN_NOT_ALLOWED;
		goto drop;
	}
	f.vid = vid;
	f.tci = (l2.tagged ? l2.tci & SL_PCP_MASK : 0) | vid;
	f.wire_tci = l2.tci;
	f.has_tag = l2.tagged;
	f.tag_meta = meta;
	if (sl_tc_vlan_set(skb, &f, sl_vlan_egress_tagged(port, vid))) {
		why = SL_DROP_VLAN_OP;
		goto drop;
	}
	sl_count_tx(port, skb->len);
	return TC_ACT_UNSPEC;
drop:
	sl_count_drop(s, why);
	sl_ev_drop_skb(skb, SL_EV_HOOK_EP_INGRESS, key, port, &l2, &f, why);
	return TC_ACT_SHOT;
}

char LICENSE[] SEC("license") = "GPL";
