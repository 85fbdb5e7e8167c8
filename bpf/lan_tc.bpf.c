// SPDX-License-Identifier: GPL-2.0-only
/* tc hook on both directions of a macvlan parent whose host macvlan is a switch
 * port. The macvlan driver only hands that macvlan the frames for its own MAC
 * (and broadcasts); frames on the parent's wire for MACs the switch learned on
 * its other ports (containers, gateways) are redirected into the macvlan's
 * ingress here, where the switch takes them. Everything else goes on to the next
 * program (TC_ACT_UNSPEC: a NAT on the same parent must still see it). */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include "lib/tc_l2.h"

/* parent ifindex -> ifindex of the host macvlan port on it */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_lan SEC(".maps");

/* EGRESS: frames the switch sent out through the macvlan pass the parent's
 * egress too; those (source learned on a switch port) never come back. */
static __always_inline int sl_lan_hook(struct __sk_buff *skb, int egress)
{
	__u32 parent = skb->ifindex, dest, lan;
	__u32 *lp = bpf_map_lookup_elem(&sl_lan, &parent);
	struct sl_port *port, *dp;
	struct sl_frame f = {};
	struct sl_l2 l2 = {};
	__u16 vid;
	__u8 meta;

	if (!lp)
		return TC_ACT_UNSPEC;
	lan = *lp;
	port = bpf_map_lookup_elem(&sl_ports, &lan);
	if (!port || sl_tc_parse(skb, &l2, &meta) >= 0 || sl_mac_is_mcast(l2.eth->h_dest))
		return TC_ACT_UNSPEC;	/* broadcasts reach the macvlan through its driver */
	/* Only what the port's own ingress will admit, in the VLAN it will give it. */
	if (sl_vlan_classify(port, l2.tagged, l2.tci, l2.tag_proto, l2.proto, &f) >= 0)
		return TC_ACT_UNSPEC;
	vid = f.vid;
	dest = sl_fdb_dest(port->switch_id, vid, l2.eth->h_dest);
	if (!dest || dest == lan)
		return TC_ACT_UNSPEC;
	dp = bpf_map_lookup_elem(&sl_ports, &dest);
	if (!dp || dp->switch_id != port->switch_id)
		return TC_ACT_UNSPEC;
	if (egress) {
		__u32 src = sl_fdb_dest(port->switch_id, vid, l2.eth->h_source);

		if (src && src != lan)
			return TC_ACT_UNSPEC;
	}
	return bpf_redirect(lan, BPF_F_INGRESS);
}

SEC("tc")
int sl_lan_ingress(struct __sk_buff *skb)
{
	return sl_lan_hook(skb, 0);
}

SEC("tc")
int sl_lan_egress(struct __sk_buff *skb)
{
	return sl_lan_hook(skb, 1);
}

char LICENSE[] SEC("license") = "GPL";
