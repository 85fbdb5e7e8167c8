// SPDX-License-Identifier: GPL-2.0-only
/* XDP hook a port can take instead of tc for packet rate: known unicast to an
 * XDP-capable port is forwarded here; floods and everything else go on to tc. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "lib/switch.h"
#include "lib/events_l2.h"
#include "sluice_nat_fast.h"

/* The NAT's XDP outbound path, filled while NAT rules exist: empty, the call falls through. */
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, SL_NAT_FAST_SLOTS);
	__type(key, __u32);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_gw_xdp_prog SEC(".maps");

/* Add, rewrite or remove the 802.1Q tag in the frame's data. */
static __always_inline int sl_xdp_vlan_set(struct xdp_md *ctx, struct sl_frame *f, int want_tag)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u8 macs[2 * ETH_ALEN];
	struct sl_vlan_hdr *vh;

	if (f->has_tag == want_tag && !want_tag)
		return 0;
	if (data + ETH_HLEN + sizeof(*vh) > data_end)
		return -1;
	if (f->has_tag && want_tag) {
		vh = data + ETH_HLEN;	/* the TPID sits in h_proto, the tag follows */
		vh->tci = bpf_htons(f->tci);
		return 0;
	}
	__builtin_memcpy(macs, data, sizeof(macs));
	if (f->has_tag) {		/* pop: the MACs move over the tag */
		if (bpf_xdp_adjust_head(ctx, (int)sizeof(*vh)))
			return -1;
	} else if (bpf_xdp_adjust_head(ctx, -(int)sizeof(*vh))) {
		return -1;
	}
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	if (data + ETH_HLEN + sizeof(*vh) > data_end)
		return -1;
	__builtin_memcpy(data, macs, sizeof(macs));
	if (want_tag) {
		vh = data + 2 * ETH_ALEN;
		vh->tci = bpf_htons(ETH_P_8021Q);	/* TPID */
		vh->proto = bpf_htons(f->tci);		/* TCI; the EtherType follows */
	}
	f->has_tag = want_tag;
	return 0;
}

SEC("xdp")
int sl_xdp_ingress(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 in = ctx->ingress_ifindex, len = data_end - data;
	struct sl_port *port = sl_port_of(in);
	struct sl_port_stats *s = sl_stats_of(port);
	struct sl_l2 l2 = { .eth = data, .data_end = data_end };
	struct sl_frame f = {};
	struct sl_port *dp;
	int why;

	if (!port) {
		why = SL_DROP_NO_SWITCH;
		goto drop;
	}
	why = sl_parse_l2(&l2);
	if (why >= 0)
		goto drop;
	if (!l2.tagged && port->mode == SL_MODE_TRUNK) {
		/* XDP cannot see a tag kept as skb metadata (veth carries a sender's
		 * offloaded tag out of band, NICs strip it): on a trunk only tc can
		 * tell a native-VLAN frame from a tagged one. */
		goto pass;
	}
	why = sl_admit(port, s, &l2, &f);
	if (why >= 0)
		goto drop;
	dp = sl_unicast_dest(port, &f, l2.eth->h_dest, &why);
	if (why >= 0)
		goto drop;
	/* An untagged IPv4 frame for the host to route: the NAT may send it on in XDP. */
	if (dp && (dp->flags & SL_PORT_F_GATEWAY) && l2.proto == bpf_htons(ETH_P_IP) &&
	    !f.has_tag && !sl_vlan_egress_tagged(dp, f.vid))
		bpf_tail_call(ctx, &sl_gw_xdp_prog, SL_NAT_FAST_OUT);
	if (!dp || !(dp->flags & SL_PORT_F_XDP_TX))
		goto pass;
	if (sl_xdp_vlan_set(ctx, &f, sl_vlan_egress_tagged(dp, f.vid))) {
		why = SL_DROP_VLAN_OP;
		goto drop;
	}
	if (s) {
		s->rx_packets++;
		s->rx_bytes += len;
	}
	sl_count_tx(dp, ctx->data_end - ctx->data);
	sl_ev_xdp(ctx, SL_EV_TRACE, SL_EV_TR_UNICAST, in, port, &l2, &f, dp->ifindex);
	return bpf_redirect_map(&sl_tx, dp->ifindex, 0);
pass:
	if (s)
		s->xdp_pass++;	/* tc counts it as received */
	return XDP_PASS;
drop:
	if (s) {
		s->rx_packets++;
		s->rx_bytes += len;
	}
	sl_count_drop(s, why);
	sl_ev_xdp(ctx, SL_EV_DROP, why, in, port, &l2, &f, 0);
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
