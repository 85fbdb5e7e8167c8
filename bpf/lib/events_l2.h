/* SPDX-License-Identifier: GPL-2.0-only */
/* The switch's events: drops with the frame's first bytes, unicast and flood decisions,
 * for the tc and XDP hooks. Each is one call at the place the hook decides. */
#ifndef SL_EVENTS_L2_H
#define SL_EVENTS_L2_H

#include "events.h"
#include "switch.h"

/* Port, switch and VLAN of a frame arriving on IFINDEX; the VLAN as far as it is known:
 * the classified one, else the tag's, else the port's own. */
static __always_inline void sl_ev_l2_fill(struct sl_event *e, __u32 ifindex,
					  const struct sl_port *port, const struct sl_l2 *l2,
					  const struct sl_frame *f)
{
	e->ifindex = ifindex;
	if (port)
		e->switch_id = port->switch_id;
	if (l2 && l2->tagged) {
		e->flags |= SL_EV_F_TAGGED;
		e->tci = l2->tci;
	}
	if (f->vid)
		e->vid = f->vid;
	else if (l2 && l2->tagged)
		e->vid = l2->tci & SL_VID_MASK;
	else if (port)
		e->vid = port->pvid;
}

static __always_inline void sl_ev_skb(struct __sk_buff *skb, __u8 type, __u8 code, __u8 hook,
				      __u32 ifindex, const struct sl_port *port,
				      const struct sl_l2 *l2, const struct sl_frame *f, __u32 aux)
{
	struct sl_event *e;

	if (!sl_ev_on(type))
		return;
	e = sl_ev_reserve(type, type == SL_EV_DROP ? SL_EV_SRC_SWITCH : SL_EV_SRC_TRACE, code,
			  hook);
	if (!e)
		return;
	sl_ev_snap_skb(e, skb);	/* sets the tag first if the stack holds it as metadata */
	sl_ev_l2_fill(e, ifindex, port, l2, f);
	e->aux = aux;
	bpf_ringbuf_submit(e, 0);
}

static __always_inline void sl_ev_xdp(struct xdp_md *ctx, __u8 type, __u8 code, __u32 ifindex,
				      const struct sl_port *port, const struct sl_l2 *l2,
				      const struct sl_frame *f, __u32 aux)
{
	struct sl_event *e;

	if (!sl_ev_on(type))
		return;
	e = sl_ev_reserve(type, type == SL_EV_DROP ? SL_EV_SRC_SWITCH : SL_EV_SRC_TRACE, code,
			  SL_EV_HOOK_XDP);
	if (!e)
		return;
	sl_ev_snap_xdp(e, ctx);
	sl_ev_l2_fill(e, ifindex, port, l2, f);
	e->aux = aux;
	bpf_ringbuf_submit(e, 0);
}

/* The one call at a tc hook's drop. */
#define sl_ev_drop_skb(skb, hook, ifx, port, l2, f, why) \
	sl_ev_skb(skb, SL_EV_DROP, why, hook, ifx, port, l2, f, 0)

#endif
