/* SPDX-License-Identifier: GPL-2.0-only */
/* The NAT in XDP: parsing, incremental checksums and rewrites on the frame itself, shared by
 * both directions, and the uplink's hook: a reply to a masqueraded connection translated and
 * sent by devmap into the container's XDP port; anything else goes on to tc. */
#ifndef SL_NAT_XDP_H
#define SL_NAT_XDP_H

#include <linux/bpf.h>
#include "nat_fast.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sl_nat_xdp_stats);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_nat_xdp_stats SEC(".maps");

/* The uplinks with an XDP hook: where XDP container ports' traffic may be redirected. */
struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP_HASH);
	__uint(max_entries, SL_NAT_RULES_MAX);
	__type(key, __u32);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_nat_xdp_tx SEC(".maps");

/* Options are refused below, so L4 always starts here. */
#define SL_XDP_L3	ETH_HLEN
#define SL_XDP_L4	(ETH_HLEN + sizeof(struct iphdr))

static __always_inline struct sl_nat_xdp_stats *sl_xdp_stats(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&sl_nat_xdp_stats, &zero);
}

/* Hand the frame on to tc (which sees it exactly as it came), counted by DIR and WHY. */
static __always_inline int sl_xdp_pass(int dir, int why)
{
	struct sl_nat_xdp_stats *s = sl_xdp_stats();

	if (s && why >= 0 && why < SL_NAT_SLOW_MAX)
		s->pass[dir & 1][why]++;
	return XDP_PASS;
}

static __always_inline int sl_xdp_no_flow(int dir)
{
	struct sl_nat_xdp_stats *s = sl_xdp_stats();

	if (s)
		s->no_flow[dir & 1]++;
	return XDP_PASS;
}

static __always_inline void sl_xdp_count_fast(int dir)
{
	struct sl_nat_xdp_stats *s = sl_xdp_stats();

	if (s)
		s->fast[dir & 1]++;
	sl_fast_count(dir);
}

/* One 16-bit word of a ones'-complement sum changed FROM -> TO (RFC 1624, eqn. 3). */
static __always_inline __sum16 sl_csum16(__sum16 check, __u16 from, __u16 to)
{
	__u32 s = (__u16)~check + (__u16)~from + to;

	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (__sum16)~s;
}

static __always_inline __sum16 sl_csum32(__sum16 check, __u32 from, __u32 to)
{
	check = sl_csum16(check, from >> 16, to >> 16);
	return sl_csum16(check, from & 0xffff, to & 0xffff);
}

/* The L4 header of an IPv4 packet without options into P: -1 when XDP may translate it
 * (TCP, UDP, an ICMP echo request out or reply in), else the reason tc gets it. */
static __always_inline int sl_xdp_parse_l4(void *data, void *end, struct sl_pkt *p, int dir)
{
	__u8 *l4 = data + SL_XDP_L4;

	if (p->proto == IPPROTO_TCP) {
		struct tcphdr *th = (void *)l4;

		if ((void *)(th + 1) > end || th->doff < 5 || p->l4_len < th->doff * 4)
			return SL_NAT_SLOW_UNPARSED;
		p->tcp_flags = l4[13];
		if (!sl_tcp_flags_valid(p->tcp_flags))
			return SL_NAT_SLOW_UNPARSED;	/* tc drops it with its reason */
		p->sport = th->source;
		p->dport = th->dest;
		return -1;
	}
	if (l4 + 8 > (__u8 *)end || p->l4_len < 8)
		return SL_NAT_SLOW_UNPARSED;
	if (p->proto == IPPROTO_UDP) {
		struct udphdr *uh = (void *)l4;

		p->sport = uh->source;
		p->dport = uh->dest;
		return -1;
	}
	if (p->proto != IPPROTO_ICMP)
		return SL_NAT_SLOW_UNPARSED;
	p->icmp_type = l4[0];
	if (sl_icmp_is_error(p->icmp_type))
		return SL_NAT_SLOW_ICMP_ERROR;
	if (dir == SL_NAT_FAST_DIR_OUT && p->icmp_type == ICMP_ECHO) {
		p->sport = ((struct icmphdr *)l4)->un.echo.id;
		return -1;
	}
	if (dir == SL_NAT_FAST_DIR_IN && p->icmp_type == ICMP_ECHOREPLY) {
		p->dport = ((struct icmphdr *)l4)->un.echo.id;
		return -1;
	}
	return SL_NAT_SLOW_UNPARSED;	/* echo requests from outside are the host's */
}

/* The IPv4 header of a frame into P: -1 when forwarding it in XDP is what the host would
 * do (no options, no fragment, TTL > 1, lengths right), else the reason tc gets it. */
static __always_inline int sl_xdp_parse_ip(struct xdp_md *ctx, struct sl_pkt *p, __u8 *tos)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct iphdr *iph = data + SL_XDP_L3;
	__u32 len = end - data, tot;

	if ((void *)(iph + 1) > end)
		return SL_NAT_SLOW_UNPARSED;
	if (iph->ihl != 5)
		return SL_NAT_SLOW_OPTIONS;
	if (iph->frag_off & bpf_htons(SL_IP_MF | SL_IP_OFFSET))
		return SL_NAT_SLOW_FRAG;	/* tc's fragment tracking follows them */
	if (iph->ttl <= 1)
		return SL_NAT_SLOW_TTL;
	/* Masked: 6.1's verifier loses the range of a byte-swapped value. Only compared as a
	 * scalar, never used as a packet bound. */
	tot = bpf_ntohs(iph->tot_len) & 0xffff;
	if (tot < sizeof(*iph) || tot > len - SL_XDP_L3)
		return SL_NAT_SLOW_UNPARSED;
	p->l3 = SL_XDP_L3;
	p->l4 = SL_XDP_L4;
	p->l4_len = tot - sizeof(*iph);
	*tos = iph->tos;
	return -1;
}

/* An IPv4 frame's addresses into P: 0, or -1 for anything else (a tagged frame too). */
static __always_inline int sl_xdp_parse_addrs(struct xdp_md *ctx, struct sl_pkt *p)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *iph = data + SL_XDP_L3;

	if ((void *)(iph + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP) || iph->version != 4)
		return -1;
	p->saddr = iph->saddr;
	p->daddr = iph->daddr;
	p->proto = iph->protocol;
	return 0;
}

/* A frame on the uplink into P, and the rule whose external address it is sent to: -1
 * when it is a reply the XDP hook may translate, else the reason it goes on to tc. */
static __always_inline int sl_xdp_parse_in(struct xdp_md *ctx, const struct sl_nat_cfg *cfg,
					   struct sl_pkt *p, const struct sl_nat_rule **r, __u8 *tos)
{
	int why;

	if (sl_xdp_parse_addrs(ctx, p))
		return SL_NAT_SLOW_NO_RULE;	/* not IPv4: not the NAT's */
	*r = sl_nat_rule_in(cfg, ctx->ingress_ifindex, p->daddr);
	if (!*r)
		return SL_NAT_SLOW_NO_RULE;
	if ((*r)->flags & SL_NAT_F_SLOWPATH)
		return SL_NAT_SLOW_OFF;
	why = sl_xdp_parse_ip(ctx, p, tos);
	if (why >= 0)
		return why;
	return sl_xdp_parse_l4((void *)(long)ctx->data, (void *)(long)ctx->data_end, p,
			       SL_NAT_FAST_DIR_IN);
}

/* The route of Q (a packet as it leaves: a reply translated, or a container's packet before
 * its SNAT, as the host routes before POSTROUTING) in the host's FIB from the ingress device. */
static __always_inline int sl_xdp_route(struct xdp_md *ctx, const struct sl_pkt *q, __u8 tos,
					struct bpf_fib_lookup *fib)
{
	__builtin_memset(fib, 0, sizeof(*fib));
	fib->family = SL_AF_INET;
	fib->tos = tos;
	fib->l4_protocol = q->proto;
	fib->sport = q->sport;
	fib->dport = q->dport;
	fib->tot_len = q->l4_len + sizeof(struct iphdr);
	fib->ipv4_src = q->saddr;
	fib->ipv4_dst = q->daddr;
	fib->ifindex = ctx->ingress_ifindex;
	return bpf_fib_lookup(ctx, fib, sizeof(*fib), 0);
}

/* Where P's address (SRC: source, else destination) and port or echo identifier sit. */
static __always_inline int sl_xdp_fields(struct xdp_md *ctx, const struct sl_pkt *p, int src,
					 __be32 **ap, __be16 **pp, __sum16 **csum)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct iphdr *iph = data + SL_XDP_L3;
	__u8 *l4 = data + SL_XDP_L4;

	if (l4 + sizeof(struct tcphdr) > (__u8 *)end && p->proto == IPPROTO_TCP)
		return -1;
	if (l4 + 8 > (__u8 *)end)
		return -1;
	*ap = src ? &iph->saddr : &iph->daddr;
	if (p->proto == IPPROTO_TCP)
		*csum = &((struct tcphdr *)l4)->check;
	else if (p->proto == IPPROTO_UDP)
		*csum = &((struct udphdr *)l4)->check;
	else
		*csum = &((struct icmphdr *)l4)->checksum;
	if (p->proto == IPPROTO_ICMP)
		*pp = (__be16 *)(l4 + 4);	/* the echo identifier: no pseudo-header */
	else
		*pp = (__be16 *)(l4 + (src ? 0 : 2));
	return 0;
}

/* Translate P's source (SRC) or destination to ADDR:PORT, decrement the TTL, set the MACs
 * of FIB: all checksums updated incrementally (a UDP checksum of zero stays zero). */
static __always_inline int sl_xdp_rewrite(struct xdp_md *ctx, const struct sl_pkt *p, int src,
					  __be32 addr, __be16 port, const struct bpf_fib_lookup *fib)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *iph = data + SL_XDP_L3;
	__be16 *pp, old_ttl, new_ttl;
	__sum16 *csum;
	__be32 *ap;

	if ((void *)(iph + 1) > end || sl_xdp_fields(ctx, p, src, &ap, &pp, &csum))
		return -1;
	if (p->proto != IPPROTO_UDP || *csum) {
		__sum16 c = *csum;

		if (p->proto != IPPROTO_ICMP)
			c = sl_csum32(c, *ap, addr);
		c = sl_csum16(c, *pp, port);
		if (p->proto == IPPROTO_UDP && !c)
			c = (__sum16)0xffff;
		*csum = c;
	}
	*pp = port;
	iph->check = sl_csum32(iph->check, *ap, addr);
	*ap = addr;
	old_ttl = *(__be16 *)&iph->ttl;		/* TTL and protocol: one checksum word */
	iph->ttl--;
	new_ttl = *(__be16 *)&iph->ttl;
	iph->check = sl_csum16(iph->check, old_ttl, new_ttl);
	__builtin_memcpy(eth->h_dest, fib->dmac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, fib->smac, ETH_ALEN);
	return 0;
}

/* The live connection a reply P belongs to: its REPLY half (the inner endpoint) and its
 * ORIG half. NULL leaves the frame to tc, which repairs halves and judges the rest. */
static __always_inline struct sl_nat_ct *sl_xdp_flow(const struct sl_pkt *p, __u64 now,
						     struct sl_nat_ct *in)
{
	struct sl_nat_ct_key k;
	struct sl_nat_ct *rct, *ct;

	sl_ct_key_reply(&k, p->proto, p->saddr, p->sport, p->daddr, p->dport);
	rct = bpf_map_lookup_elem(&sl_nat_ct, &k);
	if (!rct)
		return NULL;
	*in = *rct;
	sl_ct_key_orig(&k, p->proto, in->addr, in->port, p->saddr, p->sport);
	ct = bpf_map_lookup_elem(&sl_nat_ct, &k);
	if (!ct || ct->expires <= now)
		return NULL;
	return ct;
}

/* The reply at the uplink's XDP hook: translated and redirected into the container's XDP
 * port, or XDP_PASS (counted by reason) so that tc ingress and the host see it unchanged. */
static __always_inline int sl_nat_xdp_in(struct xdp_md *ctx)
{
	const struct sl_nat_cfg *cfg = sl_nat_cfg_get();
	struct sl_nat_stats *st = sl_nat_stats_get();
	const int dir = SL_NAT_FAST_DIR_IN;
	const struct sl_nat_rule *r = NULL;
	struct bpf_fib_lookup fib;
	struct sl_nat_ct *ct, in;
	struct sl_pkt p = {}, q;
	struct sl_port *dp;
	__u64 now;
	__u8 tos = 0;
	int why;

	if (!cfg)
		return XDP_PASS;
	why = sl_xdp_parse_in(ctx, cfg, &p, &r, &tos);
	if (why >= 0)
		return sl_xdp_pass(dir, why);
	now = bpf_ktime_get_ns();
	ct = sl_xdp_flow(&p, now, &in);
	if (!ct)
		return sl_xdp_no_flow(dir);
	q = p;
	q.daddr = in.addr;
	q.dport = in.port;
	why = sl_fast_fib_reason(sl_xdp_route(ctx, &q, tos, &fib), dir);
	if (why >= 0)
		return sl_xdp_pass(dir, why);
	dp = sl_fast_in_port(q.daddr, fib.dmac);
	/* Only an XDP port's peer takes redirected frames (it has NAPI): tc ports get them
	 * from tc ingress by bpf_redirect_peer. */
	if (!dp || !(dp->flags & SL_PORT_F_XDP_TX) || !bpf_map_lookup_elem(&sl_tx, &dp->ifindex))
		return sl_xdp_pass(dir, SL_NAT_SLOW_NO_PORT);
	sl_ct_update(ct, &p, 1, cfg, now);
	if (sl_xdp_rewrite(ctx, &p, 0, in.addr, in.port, &fib)) {
		sl_nat_count_drop(st, SL_NAT_DROP_REWRITE);
		return XDP_DROP;
	}
	if (st)
		st->dnat_packets++;
	sl_xdp_count_fast(dir);
	sl_count_tx(dp, ctx->data_end - ctx->data);
	return bpf_redirect_map(&sl_tx, dp->ifindex, 0);
}

#endif
