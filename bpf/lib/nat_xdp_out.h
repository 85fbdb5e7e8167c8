/* SPDX-License-Identifier: GPL-2.0-only */
/* The NAT's XDP outbound path, tail-called by an XDP port's program for an IPv4 frame to
 * its gateway: a packet of a live connection whose route leaves by an XDP uplink is
 * translated and redirected there; new connections and exceptions go on to tc. */
#ifndef SL_NAT_XDP_OUT_H
#define SL_NAT_XDP_OUT_H

#include "nat_xdp.h"

/* The rule P leaves by (route FIB), when that uplink has an XDP hook: -1, else the
 * reason tc gets it. */
static __always_inline int sl_xdp_out_rule(const struct sl_nat_cfg *cfg, const struct sl_pkt *p,
					   const struct bpf_fib_lookup *fib,
					   const struct sl_nat_rule **r)
{
	__u32 slot = 0;

	*r = sl_nat_rule_out(cfg, fib->ifindex, p->saddr, &slot);
	if (!*r || sl_nat_dst_excluded(*r, p->daddr))
		return SL_NAT_SLOW_NO_RULE;
	if ((*r)->flags & SL_NAT_F_SLOWPATH)
		return SL_NAT_SLOW_OFF;
	/* Only an XDP uplink is a redirect target (a veth uplink's peer needs NAPI). */
	if (!((*r)->flags & SL_NAT_F_XDP) || !bpf_map_lookup_elem(&sl_nat_xdp_tx, &fib->ifindex))
		return SL_NAT_SLOW_NO_RULE;
	return -1;
}

/* The live ORIG half of P's translated connection with rule R, its REPLY half present
 * (tc re-creates an evicted one); NULL leaves P to tc, which makes new connections. */
static __always_inline struct sl_nat_ct *sl_xdp_out_flow(const struct sl_pkt *p,
							 const struct sl_nat_rule *r, __u64 now)
{
	struct sl_nat_ct_key k;
	struct sl_nat_ct *ct;

	sl_ct_key_orig(&k, p->proto, p->saddr, p->sport, p->daddr, p->dport);
	ct = bpf_map_lookup_elem(&sl_nat_ct, &k);
	if (!ct || ct->expires <= now || ct->addr != r->ext_addr ||
	    (ct->flags & SL_NAT_CT_F_DIRECT))
		return NULL;
	sl_ct_key_reply(&k, p->proto, p->daddr, p->dport, ct->addr, ct->port);
	return bpf_map_lookup_elem(&sl_nat_ct, &k) ? ct : NULL;
}

/* The rx counters of the port the frame came in on (the switch counts only what it sends). */
static __always_inline void sl_xdp_count_rx(struct xdp_md *ctx)
{
	__u32 in = ctx->ingress_ifindex;
	struct sl_port *port = bpf_map_lookup_elem(&sl_ports, &in);
	struct sl_port_stats *s = sl_stats_of(port);

	if (s) {
		s->rx_packets++;
		s->rx_bytes += ctx->data_end - ctx->data;
	}
}

/* A container's frame to its gateway, at its XDP port: translated and redirected to the
 * XDP uplink its route leaves by, or XDP_PASS (counted by reason) to the port's tc path. */
static __always_inline int sl_nat_xdp_out_path(struct xdp_md *ctx)
{
	const struct sl_nat_cfg *cfg = sl_nat_cfg_get();
	struct sl_nat_stats *st = sl_nat_stats_get();
	const int dir = SL_NAT_FAST_DIR_OUT;
	const struct sl_nat_rule *r = NULL;
	struct bpf_fib_lookup fib;
	struct sl_pkt p = {};
	struct sl_nat_ct *ct;
	__be32 ext_addr;
	__be16 ext_port;
	__u64 now;
	__u8 tos = 0;
	int why;

	if (!cfg || sl_xdp_parse_addrs(ctx, &p))
		return XDP_PASS;
	why = sl_xdp_parse_ip(ctx, &p, &tos);
	if (why < 0)
		why = sl_xdp_parse_l4((void *)(long)ctx->data, (void *)(long)ctx->data_end, &p, dir);
	if (why >= 0)
		return sl_xdp_pass(dir, why);
	/* The host routes before it translates (POSTROUTING): so do we. No neighbour: XDP
	 * cannot resolve one, tc's bpf_redirect_neigh does. */
	why = sl_xdp_route(ctx, &p, tos, &fib);
	why = why == BPF_FIB_LKUP_RET_NO_NEIGH ? SL_NAT_SLOW_NO_NEIGH : sl_fast_fib_reason(why, dir);
	if (why < 0)
		why = sl_xdp_out_rule(cfg, &p, &fib, &r);
	if (why >= 0)
		return sl_xdp_pass(dir, why);
	now = bpf_ktime_get_ns();
	ct = sl_xdp_out_flow(&p, r, now);
	if (!ct)
		return sl_xdp_no_flow(dir);
	ext_addr = ct->addr;
	ext_port = ct->port;
	sl_ct_update(ct, &p, 0, cfg, now);
	if (sl_xdp_rewrite(ctx, &p, 1, ext_addr, ext_port, &fib)) {
		sl_nat_count_drop(st, SL_NAT_DROP_REWRITE);
		return XDP_DROP;
	}
	if (st)
		st->snat_packets++;
	sl_xdp_count_fast(dir);
	sl_xdp_count_rx(ctx);
	return bpf_redirect_map(&sl_nat_xdp_tx, fib.ifindex, 0);
}

#endif
