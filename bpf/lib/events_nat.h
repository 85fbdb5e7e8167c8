/* SPDX-License-Identifier: GPL-2.0-only */
/* The NAT's events: drops and unsolicited inbound packets with their first bytes,
 * translations, and connection changes (new, assured, closed, repaired). */
#ifndef SL_EVENTS_NAT_H
#define SL_EVENTS_NAT_H

#include "events.h"
#include "l4.h"

static __always_inline void sl_ev_tuple(struct sl_event *e, const struct sl_pkt *p)
{
	e->saddr = p->saddr;
	e->daddr = p->daddr;
	e->sport = p->sport;
	e->dport = p->dport;
	e->proto = p->proto;
}

/* A packet on the uplink: SOURCE/CODE say why (a drop, a note, a translation). */
static __always_inline void sl_ev_nat_pkt(struct __sk_buff *skb, __u8 type, __u8 source, int code,
					  __u8 hook, const struct sl_pkt *p, __be32 x_addr,
					  __be16 x_port)
{
	struct sl_event *e;

	if (!sl_ev_on(type))
		return;
	e = sl_ev_reserve(type, source, code, hook);
	if (!e)
		return;
	sl_ev_snap_skb(e, skb);
	e->ifindex = skb->ifindex;
	if (p)
		sl_ev_tuple(e, p);
	e->x_addr = x_addr;
	e->x_port = x_port;
	bpf_ringbuf_submit(e, 0);
}

/* The one call at a NAT hook's drop (WHY: enum sl_nat_drop). P may be half parsed. */
#define sl_ev_nat_drop(skb, hook, p, why) \
	sl_ev_nat_pkt(skb, SL_EV_DROP, SL_EV_SRC_NAT, why, hook, p, 0, 0)

/* Connection event CODE for the connection packet P belongs to (REPLY: P came back);
 * EXT_ADDR/EXT_PORT its external endpoint, STATE its state now. */
static __always_inline void sl_ev_conn(const struct sl_pkt *p, int reply, __be32 ext_addr,
				       __be16 ext_port, __u8 state, __u8 code)
{
	struct sl_event *e;

	if (!sl_ev_on(SL_EV_NAT))
		return;
	e = sl_ev_reserve(SL_EV_NAT, SL_EV_SRC_CONN, code,
			  reply ? SL_EV_HOOK_NAT_INGRESS : SL_EV_HOOK_NAT_EGRESS);
	if (!e)
		return;
	sl_ev_tuple(e, p);
	if (reply)
		e->flags |= SL_EV_F_REPLY;
	e->x_addr = ext_addr;
	e->x_port = ext_port;
	e->aux = state;
	bpf_ringbuf_submit(e, 0);
}

/* In sl_ct_update: a state change worth telling (assured, closed). */
static __always_inline void sl_ev_conn_state(const struct sl_pkt *p, int reply,
					     const struct sl_nat_ct *ct, __u8 st)
{
	if (st == ct->state)
		return;
	if (st == SL_NAT_ST_ESTABLISHED || st == SL_NAT_ST_UDP_STREAM)
		sl_ev_conn(p, reply, ct->addr, ct->port, st, SL_EV_CONN_ASSURED);
	else if ((st == SL_NAT_ST_TIME_WAIT || st == SL_NAT_ST_CLOSE) &&
		 ct->state != SL_NAT_ST_TIME_WAIT && ct->state != SL_NAT_ST_CLOSE)
		sl_ev_conn(p, reply, ct->addr, ct->port, st, SL_EV_CONN_CLOSED);
}

#endif
