/* SPDX-License-Identifier: GPL-2.0-only */
/* Routing a packet ourselves, as the host's forwarding would: a FIB lookup in the host's
 * tables (MTU checked per segment), the TTL decrement with its checksum, the MACs: the neighbour's, or our own rewrite. */
#ifndef SL_FIB_H
#define SL_FIB_H

#include <linux/bpf.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include "l4.h"

#define SL_AF_INET	2

/* What the MTU is compared with: the IPv4 packet, or for a GSO packet each segment it
 * becomes (the kernel's own check for skbs lets any GSO packet through). */
static __always_inline __u16 sl_fib_tot_len(struct __sk_buff *skb, const struct sl_pkt *p)
{
	__u32 hdrs = p->l4 - p->l3;

	if (skb->gso_segs <= 1)
		return p->l4_len + hdrs;
	if (p->proto == IPPROTO_TCP) {
		__u8 doff = 0;

		if (bpf_skb_load_bytes(skb, p->l4 + 12, &doff, 1))
			return 0xffff;
		hdrs += (doff >> 4) * 4;
	} else {
		hdrs += 8;
	}
	return hdrs + skb->gso_size;
}

/* Look up the route of P (TOS as in its header) in the host netns, from device IIF.
 * Returns a BPF_FIB_LKUP_RET_* code (or < 0); FIB holds the egress and the MACs. */
static __always_inline int sl_fib_route(struct __sk_buff *skb, const struct sl_pkt *p, __u8 tos,
					__u32 iif, struct bpf_fib_lookup *fib)
{
	__builtin_memset(fib, 0, sizeof(*fib));
	fib->family = SL_AF_INET;
	fib->tos = tos;
	fib->l4_protocol = p->proto;
	fib->sport = p->sport;	/* multipath hashing */
	fib->dport = p->dport;
	fib->tot_len = sl_fib_tot_len(skb, p);
	fib->ipv4_src = p->saddr;
	fib->ipv4_dst = p->daddr;
	fib->ifindex = iif;
	return bpf_fib_lookup(skb, fib, sizeof(*fib), 0);
}

/* Forwarding's TTL decrement (the caller made sure TTL > 1), header checksum kept right. */
static __always_inline int sl_fib_ttl_dec(struct __sk_buff *skb, __u32 l3)
{
	__be16 old, new;

	/* TTL and protocol share one 16-bit word of the header checksum. */
	if (bpf_skb_load_bytes(skb, l3 + offsetof(struct iphdr, ttl), &old, 2))
		return -1;
	new = old - bpf_htons(0x0100);
	if (bpf_l3_csum_replace(skb, l3 + offsetof(struct iphdr, check), old, new, 2))
		return -1;
	return bpf_skb_store_bytes(skb, l3 + offsetof(struct iphdr, ttl), &new, 2, 0) ? -1 : 0;
}

/* Out of the FIB's egress to its next hop, through the host's neighbour entry: the kernel
 * writes the MACs and runs the neighbour's state machine. A plain bpf_redirect with the
 * MACs the lookup returned would never confirm or re-probe the entry: a router whose MAC
 * changed would be sent to at its old one for as long as the entry stays valid (STALE). */
static __always_inline int sl_fib_redirect_neigh(const struct bpf_fib_lookup *fib)
{
	struct bpf_redir_neigh nh = { .nh_family = SL_AF_INET, .ipv4_nh = fib->ipv4_dst };

	return bpf_redirect_neigh(fib->ifindex, &nh, sizeof(nh), 0);
}

static __always_inline int sl_fib_set_macs(struct __sk_buff *skb, const __u8 *dmac, const __u8 *smac)
{
	if (bpf_skb_store_bytes(skb, 0, dmac, ETH_ALEN, 0) ||
	    bpf_skb_store_bytes(skb, ETH_ALEN, smac, ETH_ALEN, 0))
		return -1;
	return 0;
}

#endif
