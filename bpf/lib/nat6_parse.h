/* SPDX-License-Identifier: GPL-2.0-only */
/* IPv6 parsing for NAT66: the fixed header, the extension-header chain (Fragment header
 * included) and the upper layer; TCP and UDP through l4.h, ICMPv6 echo and errors here. */
#ifndef SL_NAT6_PARSE_H
#define SL_NAT6_PARSE_H

#include "l4.h"

#define SL_NAT6_EXT_MAX		6	/* extension headers walked */
#define SL_NAT6_ICMP		58
#define SL_ICMP6_ECHO		128
#define SL_ICMP6_ECHOREPLY	129

/* A packet as NAT66 sees it: b holds what is family-blind (offsets, ports, protocol,
 * flags, fragment offset); b.saddr/b.daddr stay 0. */
struct sl_pkt6 {
	struct sl_pkt b;
	__u32 saddr[4];
	__u32 daddr[4];
	__be32 frag_id;		/* Fragment header's identification, when b.frag or MF */
};

struct sl_nat6_ip6hdr {
	__be32 vtc_flow;
	__be16 payload_len;
	__u8 nexthdr;
	__u8 hop_limit;
	__u32 saddr[4];
	__u32 daddr[4];
};

static __always_inline int sl_addr6_eq(const __u32 *a, const __u32 *b)
{
	return !((a[0] ^ b[0]) | (a[1] ^ b[1]) | (a[2] ^ b[2]) | (a[3] ^ b[3]));
}

static __always_inline void sl_addr6_cpy(__u32 *d, const __u32 *s)
{
	d[0] = s[0];
	d[1] = s[1];
	d[2] = s[2];
	d[3] = s[3];
}

/* Walk the extension headers from OFF with first next header NH: the upper layer's offset
 * and protocol in P, the Fragment header's fields when there is one. */
static __always_inline int sl_ip6_walk(struct __sk_buff *skb, __u32 off, __u8 nh, struct sl_pkt6 *p)
{
#pragma unroll
	for (int i = 0; i < SL_NAT6_EXT_MAX; i++) {
		struct { __u8 nh, len; __be16 fo; __be32 id; } e;

		if (nh != 0 && nh != 43 && nh != 60 && nh != 44)
			break;
		if (bpf_skb_load_bytes(skb, off, &e, sizeof(e)))
			return -1;
		if (nh == 44) {
			__u16 fo = bpf_ntohs(e.fo);

			p->b.frag = (fo >> 3) | (fo & 1 ? SL_IP_MF : 0);
			p->frag_id = e.id;
			off += 8;
		} else {
			off += (e.len + 1) * 8;
		}
		nh = e.nh;
	}
	if (nh == 0 || nh == 43 || nh == 60 || nh == 44)
		return -1;	/* a longer chain than we walk */
	p->b.l4 = off;
	p->b.proto = nh;
	return 0;
}

/* Parse the IPv6 header at L3 into P. INNER: the packet quoted by an ICMPv6 error, whose
 * payload length describes the original packet, not what was quoted of it. */
static __always_inline int sl_parse_ip6(struct __sk_buff *skb, __u32 l3, int inner, struct sl_pkt6 *p,
					int *why)
{
	struct sl_nat6_ip6hdr h;
	__u32 end;

	if (bpf_skb_load_bytes(skb, l3, &h, sizeof(h)) || (h.vtc_flow & bpf_htonl(0xf0000000)) !=
	    bpf_htonl(0x60000000))
		return SL_PARSE_NOT_IPV4;
	p->b.l3 = l3;
	sl_addr6_cpy(p->saddr, h.saddr);
	sl_addr6_cpy(p->daddr, h.daddr);
	end = l3 + sizeof(h) + bpf_ntohs(h.payload_len);
	/* GSO packets may carry 0 (BIG TCP): then the packet's length is the truth. */
	if (inner || (h.payload_len == 0 && skb->gso_segs > 1))
		end = skb->len;
	if (end > skb->len || sl_ip6_walk(skb, l3 + sizeof(h), h.nexthdr, p) || p->b.l4 > end) {
		*why = inner ? SL_NAT_DROP_ICMP_INNER : SL_NAT_DROP_BAD_IP;
		return SL_PARSE_DROP;
	}
	p->b.l4_len = end - p->b.l4;
	if (p->b.frag & SL_IP_OFFSET)
		return SL_PARSE_LATER_FRAG;
	return SL_PARSE_OK;
}

static __always_inline int sl_icmp6_is_error(__u8 type)
{
	return type >= 1 && type <= 4;	/* unreachable, too big, time exceeded, parameter */
}

/* The upper layer of P: TCP and UDP as for IPv4; ICMPv6 echo (identifier as a port) and
 * errors. ICMPv6's checksum covers the pseudo-header, like TCP's and UDP's. */
static __always_inline int sl_parse_l4_6(struct __sk_buff *skb, struct sl_pkt6 *p, int inner, int *why)
{
	struct icmphdr ih;
	__u32 have = inner ? skb->len - p->b.l4 : p->b.l4_len;

	if (p->b.proto != SL_NAT6_ICMP)
		return sl_parse_l4(skb, &p->b, inner, why);
	p->b.sport_off = p->b.dport_off = 0;
	p->b.csum_flags = 0;
	p->b.sport = p->b.dport = 0;
	if (have < sizeof(ih) || bpf_skb_load_bytes(skb, p->b.l4, &ih, sizeof(ih))) {
		*why = inner ? SL_NAT_DROP_ICMP_INNER : SL_NAT_DROP_TRUNCATED;
		return SL_PARSE_DROP;
	}
	p->b.icmp_type = ih.type;
	p->b.icmp_code = ih.code;
	p->b.csum_off = p->b.l4 + 2;
	if (ih.type == SL_ICMP6_ECHO) {
		p->b.sport = ih.un.echo.id;
		p->b.sport_off = p->b.l4 + 4;
		return SL_PARSE_OK;
	}
	if (ih.type == SL_ICMP6_ECHOREPLY) {
		p->b.dport = ih.un.echo.id;
		p->b.dport_off = p->b.l4 + 4;
		return SL_PARSE_OK;
	}
	if (!inner && sl_icmp6_is_error(ih.type))
		return SL_PARSE_ICMP_ERROR;
	*why = inner ? SL_NAT_DROP_ICMP_INNER : SL_NAT_DROP_ICMP_TYPE;
	return SL_PARSE_DROP;
}

#endif
