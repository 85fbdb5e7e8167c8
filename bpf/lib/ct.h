/* SPDX-License-Identifier: GPL-2.0-only */
/* Connection tracking for the NAT: keys of both directions, the TCP state machine
 * (nf_conntrack's states and timeouts), deadlines, and repair of LRU-evicted halves. */
#ifndef SL_CT_H
#define SL_CT_H

#include "nat_maps.h"
#include "l4.h"
#include "events_nat.h"

static const __u32 sl_nat_timeout_default[SL_NAT_ST_MAX] = SL_NAT_TIMEOUT_DEFAULTS;

static __always_inline __u64 sl_ct_timeout_ns(const struct sl_nat_cfg *cfg, __u8 state)
{
	__u64 i = state;	/* 64 bits: the index needs no masking between check and use */
	__u32 t = 0;

	/* Forget what the compiler knows of the state, so the check stays in the code, on the
	 * register the load then uses: 6.1's verifier cannot follow a check made on a copy. */
	asm volatile("" : "+r"(i));
	if (i >= SL_NAT_ST_MAX)
		i = SL_NAT_ST_CLOSE;
	if (cfg)
		t = cfg->timeout[i];
	if (!t)
		t = sl_nat_timeout_default[i];
	return t * 1000000000ULL;
}

/* ORIG key: the packet as the container sent it. */
static __always_inline void sl_ct_key_orig(struct sl_nat_ct_key *k, __u8 proto, __be32 in_addr,
					   __be16 in_port, __be32 rem_addr, __be16 rem_port)
{
	*k = (struct sl_nat_ct_key){ .saddr = in_addr, .daddr = rem_addr, .sport = in_port,
				     .dport = rem_port, .proto = proto, .dir = SL_NAT_DIR_ORIG };
}

/* REPLY key: the packet as the remote end sends it to the external address. */
static __always_inline void sl_ct_key_reply(struct sl_nat_ct_key *k, __u8 proto, __be32 rem_addr,
					    __be16 rem_port, __be32 ext_addr, __be16 ext_port)
{
	*k = (struct sl_nat_ct_key){ .saddr = rem_addr, .daddr = ext_addr, .sport = rem_port,
				     .dport = ext_port, .proto = proto, .dir = SL_NAT_DIR_REPLY };
}

/* The state a new connection starts in, or -1 when this packet cannot start one:
 * TCP opens with SYN or is picked up mid-stream on a plain ACK (nf_conntrack_tcp_loose). */
static __always_inline int sl_ct_initial_state(const struct sl_pkt *p, int reply)
{
	__u8 f = p->tcp_flags & (SL_TCP_SYN | SL_TCP_ACK | SL_TCP_FIN | SL_TCP_RST);

	if (p->proto == IPPROTO_UDP)
		return reply ? SL_NAT_ST_UDP_STREAM : SL_NAT_ST_UDP;
	if (p->proto == IPPROTO_ICMP)
		return SL_NAT_ST_ICMP;
	if (!reply && f == SL_TCP_SYN)
		return SL_NAT_ST_SYN_SENT;
	if (f == SL_TCP_ACK)
		return SL_NAT_ST_ESTABLISHED;
	return -1;
}

/* TCP: the state after a packet with flags TF going in direction REPLY (0: out, 1: in). */
static __always_inline __u8 sl_ct_tcp_next(__u8 st, __u8 *flags, int reply, __u8 tf)
{
	__u8 fin_me = reply ? SL_NAT_CT_F_FIN_REPLY : SL_NAT_CT_F_FIN_ORIG;
	__u8 fin_peer = reply ? SL_NAT_CT_F_FIN_ORIG : SL_NAT_CT_F_FIN_REPLY;

	if (tf & SL_TCP_RST)
		return SL_NAT_ST_CLOSE;
	if (tf & SL_TCP_SYN) {
		if (!reply && !(tf & SL_TCP_ACK) &&
		    (st == SL_NAT_ST_CLOSE || st == SL_NAT_ST_TIME_WAIT)) {
			/* the port is reused for a new connection */
			*flags &= ~(SL_NAT_CT_F_FIN_ORIG | SL_NAT_CT_F_FIN_REPLY |
				    SL_NAT_CT_F_LAST_FIN_REPLY);
			return SL_NAT_ST_SYN_SENT;
		}
		if (reply && (tf & SL_TCP_ACK) && st == SL_NAT_ST_SYN_SENT)
			return SL_NAT_ST_SYN_RECV;
		return st;
	}
	if (tf & SL_TCP_FIN) {
		if (st >= SL_NAT_ST_TIME_WAIT || (*flags & fin_me))
			return st;	/* retransmitted FIN, or after the close */
		*flags |= fin_me;
		if (*flags & fin_peer) {
			if (reply)
				*flags |= SL_NAT_CT_F_LAST_FIN_REPLY;
			else
				*flags &= ~SL_NAT_CT_F_LAST_FIN_REPLY;
			return SL_NAT_ST_LAST_ACK;
		}
		return SL_NAT_ST_FIN_WAIT;
	}
	if (!(tf & SL_TCP_ACK))
		return st;
	if (st == SL_NAT_ST_SYN_RECV && !reply)
		return SL_NAT_ST_ESTABLISHED;
	if (st == SL_NAT_ST_FIN_WAIT && (*flags & fin_peer) && !(*flags & fin_me))
		return SL_NAT_ST_CLOSE_WAIT;	/* the other side acknowledged the first FIN */
	if (st == SL_NAT_ST_LAST_ACK &&
	    !!(*flags & SL_NAT_CT_F_LAST_FIN_REPLY) != !!reply)
		return SL_NAT_ST_TIME_WAIT;	/* the last FIN is acknowledged */
	return st;
}

/* A connection's start time as the ORIG entry keeps it (born). */
static __always_inline __u32 sl_ct_born(__u64 now)
{
	return (__u32)(now / 1000000);
}

/* UDP, as nf_conntrack since 5.16: a flow becomes a stream (udp_stream timeout) only on a
 * packet that comes after a reply and more than 2 s after the flow began; a request/response
 * within 2 s keeps the short udp timeout (DNS lookups do not pin entries for minutes). */
static __always_inline __u8 sl_ct_udp_next(const struct sl_nat_ct *ct, __u64 now)
{
	if (ct->state == SL_NAT_ST_UDP_STREAM)
		return SL_NAT_ST_UDP_STREAM;
	if ((ct->flags & SL_NAT_CT_F_REPLIED) &&
	    (__u32)(sl_ct_born(now) - ct->born) > SL_NAT_UDP_STREAM_MS)
		return SL_NAT_ST_UDP_STREAM;
	return ct->state;
}

/* Account packet P of connection CT going in direction REPLY: state, flags, deadline.
 * Writes the entry only when something changes, or the deadline is SL_NAT_REFRESH_NS old. */
static __always_inline void sl_ct_update(struct sl_nat_ct *ct, const struct sl_pkt *p, int reply,
					 const struct sl_nat_cfg *cfg, __u64 now)
{
	__u8 st = ct->state, flags = ct->flags;
	__u64 expires;

	if (flags & SL_NAT_CT_F_OPENED_IN)
		reply = !reply;	/* the opener's packets are the "original" direction */
	if (reply)
		flags |= SL_NAT_CT_F_REPLIED;
	if (p->proto == IPPROTO_TCP)
		st = sl_ct_tcp_next(st, &flags, reply, p->tcp_flags);
	else if (p->proto == IPPROTO_UDP)
		st = sl_ct_udp_next(ct, now);
	expires = now + sl_ct_timeout_ns(cfg, st);
	if (st == ct->state && flags == ct->flags && expires < ct->expires + SL_NAT_REFRESH_NS &&
	    expires >= ct->expires)
		return;
	sl_ev_conn_state(p, reply, ct, st);
	ct->state = st;
	ct->flags = flags;
	ct->expires = expires;
}

#endif
