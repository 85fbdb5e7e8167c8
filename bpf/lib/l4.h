/* SPDX-License-Identifier: GPL-2.0-only */
/* IPv4 and TCP/UDP/ICMP header parsing for the NAT: copies headers to the stack with
 * bpf_skb_load_bytes (GSO and non-linear packets alike), validates them, and yields the
 * packet's tuple and where its rewritable fields sit. */
#ifndef SL_L4_H
#define SL_L4_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include "sluice_nat.h"

#define SL_IP_MF		0x2000
#define SL_IP_OFFSET		0x1fff

/* linux/icmp.h drags in libc's socket headers, which -target bpf cannot build. */
#define ICMP_ECHOREPLY		0
#define ICMP_DEST_UNREACH	3
#define ICMP_SOURCE_QUENCH	4
#define ICMP_ECHO		8
#define ICMP_TIME_EXCEEDED	11
#define ICMP_PARAMETERPROB	12

struct icmphdr {
	__u8 type;
	__u8 code;
	__sum16 checksum;
	union {
		struct {
			__be16 id;
			__be16 sequence;
		} echo;
		__be32 gateway;
	} un;
};

#define SL_TCP_FIN		0x01
#define SL_TCP_SYN		0x02
#define SL_TCP_RST		0x04
#define SL_TCP_PSH		0x08
#define SL_TCP_ACK		0x10
#define SL_TCP_URG		0x20

/* A packet as the NAT sees it. Offsets are from the start of the frame. */
struct sl_pkt {
	__u32 l3;		/* IPv4 header */
	__u32 l4;		/* L4 header */
	__u32 l4_len;		/* bytes of L4 header and payload present (IPv4 total length) */
	__be32 saddr;
	__be32 daddr;
	__be16 sport;		/* ICMP echo request: identifier */
	__be16 dport;		/* ICMP echo reply: identifier */
	__be16 ip_id;
	__u16 frag;		/* host order: MF and fragment offset */
	__u8 proto;
	__u8 tcp_flags;
	__u8 icmp_type;
	__u8 icmp_code;
	__u32 sport_off;	/* where sport/dport live (0: nowhere) */
	__u32 dport_off;
	__u32 csum_off;		/* L4 checksum field */
	__u64 csum_flags;	/* BPF_F_MARK_MANGLED_0 for UDP: a zero checksum stays zero */
};

/* Outcomes of parsing, besides 0 (a translatable packet). */
enum sl_parse {
	SL_PARSE_OK = 0,
	SL_PARSE_NOT_IPV4,	/* not ours to judge */
	SL_PARSE_LATER_FRAG,	/* non-first fragment: no L4 header */
	SL_PARSE_ICMP_ERROR,	/* carries an inner header */
	SL_PARSE_DROP,		/* malformed: reason in *why */
};

static __always_inline int sl_icmp_is_error(__u8 type)
{
	return type == ICMP_DEST_UNREACH || type == ICMP_TIME_EXCEEDED ||
	       type == ICMP_PARAMETERPROB || type == ICMP_SOURCE_QUENCH;
}

/* nf_conntrack's table of valid flag combinations (PSH, ECE, CWR ignored). */
static __always_inline int sl_tcp_flags_valid(__u8 f)
{
	f &= SL_TCP_FIN | SL_TCP_SYN | SL_TCP_RST | SL_TCP_ACK | SL_TCP_URG;
	f &= ~SL_TCP_URG;
	return f == SL_TCP_SYN || f == (SL_TCP_SYN | SL_TCP_ACK) || f == SL_TCP_RST ||
	       f == (SL_TCP_RST | SL_TCP_ACK) || f == (SL_TCP_FIN | SL_TCP_ACK) || f == SL_TCP_ACK;
}

/* Parse the IPv4 header at L3 into P. INNER: the header quoted in an ICMP error, whose
 * total length describes the original packet, not what was quoted of it. */
static __always_inline int sl_parse_ip(struct __sk_buff *skb, __u32 l3, int inner, struct sl_pkt *p,
				       int *why)
{
	struct iphdr iph;
	__u32 ihl, tot;

	if (bpf_skb_load_bytes(skb, l3, &iph, sizeof(iph)) || iph.version != 4)
		return SL_PARSE_NOT_IPV4;
	p->l3 = l3;
	p->saddr = iph.saddr;
	p->daddr = iph.daddr;
	p->proto = iph.protocol;
	p->ip_id = iph.id;
	p->frag = bpf_ntohs(iph.frag_off) & (SL_IP_MF | SL_IP_OFFSET);
	ihl = iph.ihl * 4;
	tot = bpf_ntohs(iph.tot_len);
	if (ihl < sizeof(iph)) {
		*why = SL_NAT_DROP_BAD_IP;
		return SL_PARSE_DROP;
	}
	/* GSO packets may carry 0 (BIG TCP): then the packet's length is the truth. */
	if (tot == 0 && skb->gso_segs > 1)
		tot = skb->len - l3;
	if (inner)
		tot = skb->len > l3 + ihl ? skb->len - l3 : ihl;
	if (tot < ihl || l3 + tot > skb->len) {
		*why = SL_NAT_DROP_BAD_IP;
		return SL_PARSE_DROP;
	}
	p->l4 = l3 + ihl;
	p->l4_len = tot - ihl;
	if (p->frag & SL_IP_OFFSET)
		return SL_PARSE_LATER_FRAG;
	return SL_PARSE_OK;
}

/* Parse the L4 header. INNER: the header quoted in an ICMP error, where only 8 bytes are
 * guaranteed and lengths, offsets and flags are not checked. */
static __always_inline int sl_parse_l4(struct __sk_buff *skb, struct sl_pkt *p, int inner, int *why)
{
	__u32 have = inner ? skb->len - p->l4 : p->l4_len;

	p->sport_off = p->dport_off = p->csum_off = 0;
	p->csum_flags = 0;
	if (p->proto == IPPROTO_TCP) {
		struct tcphdr th;

		if (inner) {
			if (bpf_skb_load_bytes(skb, p->l4, &th, 8))
				goto truncated;
		} else {
			if (have < sizeof(th) || bpf_skb_load_bytes(skb, p->l4, &th, sizeof(th)))
				goto truncated;
			if (th.doff < 5 || th.doff * 4 > have) {
				*why = SL_NAT_DROP_TCP_OFFSET;
				return SL_PARSE_DROP;
			}
			p->tcp_flags = ((__u8 *)&th)[13];
			if (!sl_tcp_flags_valid(p->tcp_flags)) {
				*why = SL_NAT_DROP_TCP_FLAGS;
				return SL_PARSE_DROP;
			}
		}
		p->sport = th.source;
		p->dport = th.dest;
		p->sport_off = p->l4;
		p->dport_off = p->l4 + 2;
		p->csum_off = p->l4 + offsetof(struct tcphdr, check);
		return SL_PARSE_OK;
	}
	if (p->proto == IPPROTO_UDP) {
		struct udphdr uh;

		if ((!inner && have < sizeof(uh)) || bpf_skb_load_bytes(skb, p->l4, &uh, sizeof(uh)))
			goto truncated;
		p->sport = uh.source;
		p->dport = uh.dest;
		p->sport_off = p->l4;
		p->dport_off = p->l4 + 2;
		p->csum_off = p->l4 + offsetof(struct udphdr, check);
		p->csum_flags = BPF_F_MARK_MANGLED_0;
		return SL_PARSE_OK;
	}
	if (p->proto == IPPROTO_ICMP) {
		struct icmphdr ih;

		if ((!inner && have < sizeof(ih)) || bpf_skb_load_bytes(skb, p->l4, &ih, sizeof(ih)))
			goto truncated;
		p->icmp_type = ih.type;
		p->icmp_code = ih.code;
		p->csum_off = p->l4 + offsetof(struct icmphdr, checksum);
		p->sport = p->dport = 0;
		if (ih.type == ICMP_ECHO) {
			p->sport = ih.un.echo.id;
			p->sport_off = p->l4 + 4;
			return SL_PARSE_OK;
		}
		if (ih.type == ICMP_ECHOREPLY) {
			p->dport = ih.un.echo.id;
			p->dport_off = p->l4 + 4;
			return SL_PARSE_OK;
		}
		if (!inner && sl_icmp_is_error(ih.type))
			return SL_PARSE_ICMP_ERROR;
		*why = inner ? SL_NAT_DROP_ICMP_INNER : SL_NAT_DROP_ICMP_TYPE;
		return SL_PARSE_DROP;
	}
	*why = inner ? SL_NAT_DROP_ICMP_INNER : SL_NAT_DROP_PROTO;
	return SL_PARSE_DROP;
truncated:
	*why = inner ? SL_NAT_DROP_ICMP_INNER : SL_NAT_DROP_TRUNCATED;
	return SL_PARSE_DROP;
}

#endif
