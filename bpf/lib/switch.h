/* SPDX-License-Identifier: GPL-2.0-only */
/* The switch's ingress decision, shared by the tc and XDP hooks: admit or drop
 * a frame, learn its source, and find where it goes. */
#ifndef SL_SWITCH_H
#define SL_SWITCH_H

#include "maps.h"
#include "stats.h"
#include "eth.h"
#include "vlan.h"
#include "fdb.h"
#include "ports.h"
#include "spoof.h"

/* A frame as both hooks see it after parsing its L2 headers. */
struct sl_l2 {
	struct ethhdr *eth;
	void *l3;
	void *data_end;
	__be16 proto;		/* EtherType behind any tag */
	__be16 tag_proto;	/* outer tag's TPID when tagged */
	__u16 tci;
	__u8 tagged;
	__u8 pad;
};

/* Parse the Ethernet header and an 802.1Q tag carried in the data.
 * Returns -1, or SL_DROP_RUNT when a header is cut short. */
static __always_inline int sl_parse_l2(struct sl_l2 *l2)
{
	struct sl_vlan_hdr *vh;

	if ((void *)(l2->eth + 1) > l2->data_end)
		return SL_DROP_RUNT;
	l2->proto = l2->eth->h_proto;
	l2->l3 = l2->eth + 1;
	if (!sl_proto_is_vlan(l2->proto))
		return -1;
	vh = l2->l3;
	if ((void *)(vh + 1) > l2->data_end)
		return SL_DROP_RUNT;
	l2->tagged = 1;
	l2->tci = bpf_ntohs(vh->tci);
	l2->tag_proto = l2->proto;
	l2->proto = vh->proto;
	l2->l3 = vh + 1;
	return -1;
}

/* Admission: VLAN, source MAC sanity, anti-spoofing, then learning.
 * Returns -1 if admitted (F filled), else the drop reason. */
static __always_inline int sl_admit(const struct sl_port *port, struct sl_port_stats *s,
				    struct sl_l2 *l2, struct sl_frame *f)
{
	int why;

	if (!port->switch_id)
		return SL_DROP_NO_SWITCH;
	if (sl_mac_is_mcast(l2->eth->h_source))
		return SL_DROP_SRC_MCAST;
	why = sl_vlan_classify(port, l2->tagged, l2->tci, l2->tag_proto, l2->proto, f);
	if (why >= 0)
		return why;
	why = sl_spoof_check(port, l2->eth, l2->l3, l2->data_end, l2->proto);
	if (why >= 0)
		return why;
	sl_fdb_learn(port->switch_id, f->vid, l2->eth->h_source, port->ifindex, port->slot, s);
	return -1;
}

/* Where a unicast frame goes: the destination port, or NULL to flood.
 * *why is set when the frame must be dropped instead. */
static __always_inline struct sl_port *sl_unicast_dest(const struct sl_port *port,
						       const struct sl_frame *f,
						       const __u8 *dmac, int *why)
{
	struct sl_port *dp;
	__u32 dest, slot = 0;

	*why = -1;
	if (sl_mac_is_mcast(dmac))
		return NULL;
	dest = sl_fdb_dest_slot(port->switch_id, f->vid, dmac, &slot);
	if (!dest)
		return NULL;
	if (dest == port->ifindex) {
		*why = SL_DROP_HAIRPIN;
		return NULL;
	}
	dp = sl_port_at(dest, slot);
	/* A stale entry (port gone, moved switch or VLAN) floods like an unknown MAC. */
	if (!dp || dp->switch_id != port->switch_id || !sl_port_member(dp, f->vid))
		return NULL;
	return dp;
}

#endif
