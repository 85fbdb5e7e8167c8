/* SPDX-License-Identifier: GPL-2.0-only */
/* 802.1Q policy: which VLAN a frame belongs to on ingress, and whether it
 * leaves a port tagged. Pure decisions; the hooks do the header surgery. */
#ifndef SL_VLAN_H
#define SL_VLAN_H

#include "eth.h"
#include "sluice.h"

#define SL_VID_MASK	0x0fff
#define SL_PCP_MASK	0xf000	/* PCP and DEI travel with the frame */

/* What ingress decided about a frame. */
struct sl_frame {
	__u16 vid;		/* VLAN the frame belongs to */
	__u16 tci;		/* TCI to use when it leaves tagged */
	__u16 wire_tci;		/* TCI of the tag on the frame now, if any */
	__u8 has_tag;		/* a tag (possibly VID 0) is on the frame now */
	__u8 tag_meta;		/* tc: that tag is skb metadata, not in the data */
};

static __always_inline int sl_vid_in(const __u64 *words, __u16 vid)
{
	__u32 w = (vid >> 6) & (SL_VLAN_WORDS - 1);

	return (words[w] >> (vid & 63)) & 1;
}

static __always_inline int sl_port_member(const struct sl_port *p, __u16 vid)
{
	if (p->mode == SL_MODE_ACCESS)
		return p->pvid == vid;
	return p->pvid == vid || sl_vid_in(p->vids, vid);
}

/* Classify a frame arriving on PORT. TAGGED/TCI/TAG_PROTO describe the outer
 * tag, INNER_PROTO the EtherType behind it. Returns -1 if admitted, else the
 * drop reason. */
static __always_inline int sl_vlan_classify(const struct sl_port *port, int tagged,
					    __u16 tci, __be16 tag_proto, __be16 inner_proto,
					    struct sl_frame *f)
{
	__u16 vid = tci & SL_VID_MASK;

	f->has_tag = tagged;
	f->wire_tci = tci;
	f->tci = tagged ? tci & SL_PCP_MASK : 0;
	if (tagged) {
		if (tag_proto == bpf_htons(ETH_P_8021AD) || sl_proto_is_vlan(inner_proto))
			return SL_DROP_VLAN_QINQ;
		if (vid == SL_VID_MASK)
			return SL_DROP_VLAN_INVALID;
	}
	if (!tagged || vid == 0) {	/* VID 0 is a priority tag: untagged */
		if (!port->pvid)
			return SL_DROP_VLAN_UNTAGGED;
		f->vid = port->pvid;
	} else {
		if (port->mode == SL_MODE_ACCESS)
			return SL_DROP_VLAN_TAGGED_ON_ACCESS;
		if (!sl_vid_in(port->vids, vid))
			return SL_DROP_VLAN_NOT_ALLOWED;
		f->vid = vid;
	}
	f->tci |= f->vid;
	return -1;
}

/* A frame of VID leaves DEST tagged unless DEST carries VID untagged. */
static __always_inline int sl_vlan_egress_tagged(const struct sl_port *dest, __u16 vid)
{
	return dest->mode == SL_MODE_TRUNK && dest->pvid != vid;
}

#endif
