/* SPDX-License-Identifier: GPL-2.0-only */
/* ICMPv6 errors (Packet Too Big above all: IPv6 routers do not fragment, so PMTU discovery
 * depends on it; Time Exceeded, Unreachable, Parameter Problem) about NAT66 connections:
 * the outer address and the quoted packet translated together, every checksum kept right. */
#ifndef SL_NAT6_ICMP_H
#define SL_NAT6_ICMP_H

#include "nat6.h"

static __always_inline __u32 sl_csum_diff128(const __u32 *from, const __u32 *to)
{
	return sl_csum_diff32(from[0], to[0]) + sl_csum_diff32(from[1], to[1]) +
	       sl_csum_diff32(from[2], to[2]) + sl_csum_diff32(from[3], to[3]);
}

/* Rewrite the quoted packet IN's source (SRC) or destination to ADDR:PORT and the error
 * OUTER's own destination (SRC) or source to OUTER_ADDR. The quoted L4 checksum gets the
 * pseudo-header and port change; the error's checksum absorbs all of it (its pseudo-header
 * holds the outer address, the quote is data to it). */
static __always_inline int sl_nat6_icmp_rewrite(struct __sk_buff *skb, const struct sl_pkt6 *outer,
						const struct sl_pkt6 *in, int src, const __u32 *addr,
						__be16 port, const __u32 *outer_addr)
{
	const __u32 *old = src ? in->saddr : in->daddr;
	const __u32 *old_outer = src ? outer->daddr : outer->saddr;
	__u32 port_off = src ? in->b.sport_off : in->b.dport_off;
	__be16 old_port = src ? in->b.sport : in->b.dport;
	__u32 adiff = sl_csum_diff128(old, addr), diff, icmp_diff;
	__u32 na[4], no[4];
	__u16 c, nc;

	sl_addr6_cpy(na, addr);
	sl_addr6_cpy(no, outer_addr);
	icmp_diff = adiff + sl_csum_diff128(old_outer, no);
	/* quoted L4 checksum, when the quote holds it (UDP's 0 means none) */
	if (in->b.csum_off && in->b.csum_off + 2 <= outer->b.l4 + outer->b.l4_len &&
	    bpf_skb_load_bytes(skb, in->b.csum_off, &c, 2) == 0 &&
	    !(in->b.proto == IPPROTO_UDP && c == 0)) {
		diff = adiff + (port_off ? sl_csum_diff16(old_port, port) : 0);
		nc = sl_csum_apply(c, diff);
		if (in->b.proto == IPPROTO_UDP && nc == 0)
			nc = 0xffff;
		icmp_diff += sl_csum_diff16(c, nc);
		if (bpf_skb_store_bytes(skb, in->b.csum_off, &nc, 2, 0))
			return SL_NAT_DROP_REWRITE;
	}
	if (port_off) {
		icmp_diff += sl_csum_diff16(old_port, port);
		if (bpf_skb_store_bytes(skb, port_off, &port, 2, 0))
			return SL_NAT_DROP_REWRITE;
	}
	if (bpf_skb_store_bytes(skb, in->b.l3 + (src ? 8 : 24), na, 16, 0) ||
	    bpf_skb_store_bytes(skb, outer->b.l3 + (src ? 24 : 8), no, 16, 0) ||
	    bpf_skb_load_bytes(skb, outer->b.csum_off, &c, 2))
		return SL_NAT_DROP_REWRITE;
	nc = sl_csum_apply(c, icmp_diff);
	if (bpf_skb_store_bytes(skb, outer->b.csum_off, &nc, 2, 0))
		return SL_NAT_DROP_REWRITE;
	return SL_NAT_PASS;
}

/* Parse the packet quoted by the ICMPv6 error P (after its 8-byte header) into IN. */
static __always_inline int sl_nat6_icmp_quote(struct __sk_buff *skb, const struct sl_pkt6 *p,
					      struct sl_pkt6 *in)
{
	int why = SL_NAT_DROP_ICMP_INNER;

	if (sl_parse_ip6(skb, p->b.l4 + 8, 1, in, &why) != SL_PARSE_OK ||
	    sl_parse_l4_6(skb, in, 1, &why) != SL_PARSE_OK)
		return SL_NAT_DROP_ICMP_INNER;
	if (in->b.l4 + 8 > p->b.l4 + p->b.l4_len)
		return SL_NAT_DROP_ICMP_INNER;
	return SL_NAT_PASS;
}

/* An error a container sends about a packet that reached it through the NAT: the quote
 * is remote -> container, so its connection's ORIG key is the swap. */
__noinline int sl_nat6_icmp_error_out(struct __sk_buff *skb, const struct sl_pkt6 *p)
{
	struct sl_nat_stats *st = sl_nat_stats_get();
	struct sl_nat6_ct_key ok;
	struct sl_nat6_ct *ct;
	struct sl_pkt6 in = {};
	__u32 ext[4];
	int why;

	if (!p || p->b.frag)
		return SL_NAT_DROP_ICMP_INNER;	/* a fragmented error: the quote is not whole */
	why = sl_nat6_icmp_quote(skb, p, &in);
	if (why >= 0)
		return why;
	sl_ct6_key(&ok, in.b.proto, in.daddr, in.b.dport, in.saddr, in.b.sport, SL_NAT_DIR_ORIG);
	ct = bpf_map_lookup_elem(&sl_nat6_ct, &ok);
	if (!ct)
		return SL_NAT_DROP_ICMP_UNTRACKED;
	sl_addr6_cpy(ext, ct->addr);
	why = sl_nat6_icmp_rewrite(skb, p, &in, 0, ext, ct->c.port, ext);
	if (why < 0 && st)
		st->icmp_errors++;
	return why;
}

/* An error from anywhere about a packet we translated: the quote is external address ->
 * remote, so its connection's REPLY key is the swap. Others are the host's: untouched. */
__noinline int sl_nat6_icmp_error_in(struct __sk_buff *skb, const struct sl_pkt6 *p)
{
	struct sl_nat_stats *st = sl_nat_stats_get();
	struct sl_nat6_ct_key rk;
	struct sl_nat6_ct *rct;
	struct sl_pkt6 in = {};
	__u32 inner[4];
	int why;

	if (!p || p->b.frag || sl_nat6_icmp_quote(skb, p, &in) >= 0 || !sl_addr6_eq(in.saddr, p->daddr))
		return SL_NAT_PASS;
	sl_ct6_key(&rk, in.b.proto, in.daddr, in.b.dport, in.saddr, in.b.sport, SL_NAT_DIR_REPLY);
	rct = bpf_map_lookup_elem(&sl_nat6_ct, &rk);
	if (!rct)
		return SL_NAT_PASS;
	sl_addr6_cpy(inner, rct->addr);
	why = sl_nat6_icmp_rewrite(skb, p, &in, 1, inner, rct->c.port, inner);
	if (why < 0 && st)
		st->icmp_errors++;
	return why;
}

#endif
