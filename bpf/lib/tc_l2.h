/* SPDX-License-Identifier: GPL-2.0-only */
/* L2 headers of a tc frame, wherever the kernel keeps its tag (data or skb
 * metadata), and putting the frame into the tagging a destination wants.
 * Shared by the switch, the macvlan endpoints and the LAN parent hook. */
#ifndef SL_TC_L2_H
#define SL_TC_L2_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "switch.h"

/* Parse SKB's Ethernet header and outer tag into L2; *META says the tag is skb
 * metadata. Returns -1, or the drop reason (runt, stacked tags). */
static __always_inline int sl_tc_parse(struct __sk_buff *skb, struct sl_l2 *l2, __u8 *meta)
{
	void *data, *data_end;
	__u32 head;
	int why;

	*meta = 0;
	if (skb->len < ETH_HLEN)
		return SL_DROP_RUNT;
	/* Headers we read (Ethernet, tag, IPv4 or ARP; IPv6 with ND) must be in the linear
	 * part. IPv6 guards read deeper: extension headers, ND target and options. */
	head = skb->protocol == bpf_htons(ETH_P_IP) ? 64 : 128;
	if (head > skb->len)
		head = skb->len;
	data = (void *)(long)skb->data;
	data_end = (void *)(long)skb->data_end;
	if (data + head > data_end) {
		bpf_skb_pull_data(skb, head);
		data = (void *)(long)skb->data;
		data_end = (void *)(long)skb->data_end;
	}
	l2->eth = data;
	l2->data_end = data_end;
	if ((void *)(l2->eth + 1) > data_end)
		return SL_DROP_RUNT;
	why = sl_parse_l2(l2);	/* a tag in the data: test_run, generic paths */
	if (why >= 0)
		return why;
	if (skb->vlan_present) {	/* the stack moved the outer tag out of the data */
		if (l2->tagged)		/* and another one follows: stacked tags */
			return SL_DROP_VLAN_QINQ;
		l2->tagged = *meta = 1;
		l2->tci = skb->vlan_tci;
		l2->tag_proto = skb->vlan_proto;
	}
	return -1;
}

/* Put the frame into the encapsulation the destination wants. */
static __always_inline int sl_tc_vlan_set(struct __sk_buff *skb, struct sl_frame *f, int want_tag)
{
	if (want_tag && f->has_tag && f->tag_meta && f->wire_tci == f->tci)
		return 0;	/* trunk to trunk: the tag, PCP included, stays */
	if (f->has_tag) {
		if (bpf_skb_vlan_pop(skb))
			return -1;
		f->has_tag = 0;
	}
	if (want_tag) {
		if (bpf_skb_vlan_push(skb, bpf_htons(ETH_P_8021Q), f->tci))
			return -1;
		f->has_tag = 1;
		f->tag_meta = 1;	/* bpf_skb_vlan_push keeps the tag as metadata */
		f->wire_tci = f->tci;
	}
	return 0;
}

#endif
