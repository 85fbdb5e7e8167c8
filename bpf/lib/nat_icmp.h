/* SPDX-License-Identifier: GPL-2.0-only */
/* ICMP errors (unreachable, fragmentation needed, time exceeded, ...) about translated
 * connections: the outer address and the quoted IP + L4 header are translated together,
 * every nested checksum kept right, so PMTU discovery and traceroute work through the NAT. */
#ifndef SL_NAT_ICMP_H
#define SL_NAT_ICMP_H

#include "nat.h"

/* Rewrite the quoted packet IN's source (SRC) or destination to ADDR:PORT inside the ICMP
 * error OUTER. The quoted checksums are plain data to the ICMP checksum, which absorbs
 * every change (so CHECKSUM_COMPLETE's sum stays right without touching it). */
static __always_inline int sl_nat_icmp_quote_rewrite(struct __sk_buff *skb, const struct sl_pkt *outer,
						     const struct sl_pkt *in, int src, __be32 addr,
						     __be16 port)
{
	__u32 addr_off = in->l3 + (src ? offsetof(struct iphdr, saddr) : offsetof(struct iphdr, daddr));
	__u32 port_off = src ? in->sport_off : in->dport_off;
	__be32 old_addr = src ? in->saddr : in->daddr;
	__be16 old_port = src ? in->sport : in->dport;
	__u32 diff, icmp_diff = 0;
	__u16 c, nc;

	/* quoted IPv4 header: address and header checksum */
	diff = sl_csum_diff32(old_addr, addr);
	if (bpf_skb_load_bytes(skb, in->l3 + offsetof(struct iphdr, check), &c, 2))
		return SL_NAT_DROP_ICMP_INNER;
	nc = sl_csum_apply(c, diff);
	icmp_diff += diff + sl_csum_diff16(c, nc);
	if (bpf_skb_store_bytes(skb, addr_off, &addr, 4, 0) ||
	    bpf_skb_store_bytes(skb, in->l3 + offsetof(struct iphdr, check), &nc, 2, 0))
		return SL_NAT_DROP_REWRITE;
	/* quoted L4 checksum, when the quote reaches it (TCP's often does not) */
	if (in->csum_off && bpf_skb_load_bytes(skb, in->csum_off, &c, 2) == 0 &&
	    !(in->proto == IPPROTO_UDP && c == 0)) {
		diff = in->proto == IPPROTO_ICMP ? 0 : sl_csum_diff32(old_addr, addr);
		if (port_off)
			diff += sl_csum_diff16(old_port, port);
		nc = sl_csum_apply(c, diff);
		if (in->proto == IPPROTO_UDP && nc == 0)
			nc = 0xffff;
		icmp_diff += sl_csum_diff16(c, nc);
		if (bpf_skb_store_bytes(skb, in->csum_off, &nc, 2, 0))
			return SL_NAT_DROP_REWRITE;
	}
	/* quoted port or echo identifier */
	if (port_off) {
		icmp_diff += sl_csum_diff16(old_port, port);
		if (bpf_skb_store_bytes(skb, port_off, &port, 2, 0))
			return SL_NAT_DROP_REWRITE;
	}
	/* the error's own checksum */
	if (bpf_skb_load_bytes(skb, outer->csum_off, &c, 2))
		return SL_NAT_DROP_REWRITE;
	nc = sl_csum_apply(c, icmp_diff);
	if (bpf_skb_store_bytes(skb, outer->csum_off, &nc, 2, 0))
		return SL_NAT_DROP_REWRITE;
	return SL_NAT_PASS;
}

/* Parse the packet quoted by the ICMP error P into IN. */
static __always_inline int sl_nat_icmp_quote(struct __sk_buff *skb, const struct sl_pkt *p,
					     struct sl_pkt *in)
{
	int why = SL_NAT_DROP_ICMP_INNER;

	if (sl_parse_ip(skb, p->l4 + sizeof(struct icmphdr), 1, in, &why) != SL_PARSE_OK ||
	    sl_parse_l4(skb, in, 1, &why) != SL_PARSE_OK)
		return SL_NAT_DROP_ICMP_INNER;
	/* RFC 792: the IP header and 8 bytes of its data, inside the error's own length. Bytes
	 * past it (link-layer padding) are no part of the ICMP checksum: never rewrite them. */
	if (in->l4 + 8 > p->l4 + p->l4_len)
		return SL_NAT_DROP_ICMP_INNER;
	return SL_NAT_PASS;
}

/* An error a container sends about a packet that reached it through the NAT: the quote is
 * that inbound packet (remote -> container), so its connection's ORIG key is the swap. */
static __always_inline int sl_nat_icmp_error_out(struct __sk_buff *skb, const struct sl_pkt *p,
						 struct sl_nat_stats *st)
{
	struct sl_nat_ct_key ok;
	struct sl_nat_ct *ct;
	struct sl_pkt in = {};
	__be32 ext_addr;
	__be16 ext_port;
	int why;

	if (p->frag)
		return SL_NAT_DROP_ICMP_INNER;	/* a fragmented error: the quote is not whole */
	why = sl_nat_icmp_quote(skb, p, &in);
	if (why >= 0)
		return why;
	sl_ct_key_orig(&ok, in.proto, in.daddr, in.dport, in.saddr, in.sport);
	ct = bpf_map_lookup_elem(&sl_nat_ct, &ok);
	if (!ct)
		return SL_NAT_DROP_ICMP_UNTRACKED;
	ext_addr = ct->addr;
	ext_port = ct->port;
	why = sl_nat_icmp_quote_rewrite(skb, p, &in, 0, ext_addr, ext_port);
	if (why >= 0)
		return why;
	if (sl_store_addr(skb, p->l3 + offsetof(struct iphdr, saddr), p->saddr, ext_addr,
			  p->l3 + offsetof(struct iphdr, check), 0, 0))
		return SL_NAT_DROP_REWRITE;
	if (st)
		st->icmp_errors++;
	return SL_NAT_PASS;
}

/* An error from anywhere about a packet we translated: the quote is that outbound packet
 * (external address -> remote), so its connection's REPLY key is the swap. Errors about
 * anything else are the host's and pass untouched. */
static __always_inline int sl_nat_icmp_error_in(struct __sk_buff *skb, const struct sl_pkt *p,
						struct sl_nat_stats *st)
{
	struct sl_nat_ct_key rk;
	struct sl_nat_ct *rct;
	struct sl_pkt in = {};
	__be32 in_addr;
	__be16 in_port;
	int why;

	if (p->frag || sl_nat_icmp_quote(skb, p, &in) >= 0 || in.saddr != p->daddr)
		return SL_NAT_PASS;
	sl_ct_key_reply(&rk, in.proto, in.daddr, in.dport, in.saddr, in.sport);
	rct = bpf_map_lookup_elem(&sl_nat_ct, &rk);
	if (!rct)
		return SL_NAT_PASS;
	in_addr = rct->addr;
	in_port = rct->port;
	why = sl_nat_icmp_quote_rewrite(skb, p, &in, 1, in_addr, in_port);
	if (why >= 0)
		return why;
	if (sl_store_addr(skb, p->l3 + offsetof(struct iphdr, daddr), p->daddr, in_addr,
			  p->l3 + offsetof(struct iphdr, check), 0, 0))
		return SL_NAT_DROP_REWRITE;
	if (st)
		st->icmp_errors++;
	return SL_NAT_PASS;
}

#endif
