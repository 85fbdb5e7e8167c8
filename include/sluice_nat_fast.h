/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The NAT fast path's BPF <-> userspace contract: its rule flag, the tail-call slot the
 * switch ports jump through, and the counters of packets taken fast or left to the host. */
#ifndef SLUICE_NAT_FAST_H
#define SLUICE_NAT_FAST_H

#include <linux/types.h>

/* Rule flag (struct sl_nat_rule.flags): the rule's traffic always takes the host's path.
 * A high bit, clear of the SL_NAT_F_* bits other features grow from the bottom. */
#define SL_NAT_F_SLOWPATH	(1u << 16)

/* sl_gw_prog: PROG_ARRAY of the switch's tc program, tail-called for frames to a gateway;
 * slot SL_NAT_FAST_OUT holds the NAT's outbound fast path while NAT rules exist (empty:
 * plain switching to the gateway). */
#define SL_NAT_FAST_OUT		0
#define SL_NAT_FAST_SLOTS	1
#define SL_PIN_PROG_NAT_FAST	"prog_nat_fast"
#define SL_GW_PROG_MAP		"sl_gw_prog"
#define SL_NAT_FAST_STATS_MAP	"sl_nat_fast_stats"

/* Why a packet the fast path looked at took the host's path instead. */
enum sl_nat_slow {
	SL_NAT_SLOW_TTL = 0,		/* TTL <= 1: the host sends Time Exceeded */
	SL_NAT_SLOW_MTU,		/* larger than the egress MTU: the host fragments or sends Frag Needed */
	SL_NAT_SLOW_FIB,		/* FIB result other than success or (out) no neighbour */
	SL_NAT_SLOW_NO_NEIGH,		/* inbound: the host has no neighbour entry for the container yet */
	SL_NAT_SLOW_OPTIONS,		/* IPv4 options */
	SL_NAT_SLOW_FRAG,		/* fragment of a datagram without a known translation */
	SL_NAT_SLOW_ICMP_ERROR,		/* ICMP error: translated on the slow path */
	SL_NAT_SLOW_NOT_FWDED,		/* the host itself (or broadcast), or no route at all */
	SL_NAT_SLOW_NO_RULE,		/* the route leaves by a device without a NAT rule for the source */
	SL_NAT_SLOW_OFF,		/* the rule says fastpath off */
	SL_NAT_SLOW_UNPARSED,		/* not a packet the NAT translates (the slow path judges it) */
	SL_NAT_SLOW_NO_PORT,		/* inbound: the neighbour is not on a switch port we can reach */
	SL_NAT_SLOW_ROUTED,		/* answers a connection routed in untranslated (direct allow) */
	SL_NAT_SLOW_MAX,
};

#define SL_NAT_SLOW_NAMES {						\
	[SL_NAT_SLOW_TTL] = "ttl_expiring",				\
	[SL_NAT_SLOW_MTU] = "frag_needed",				\
	[SL_NAT_SLOW_FIB] = "fib_other",				\
	[SL_NAT_SLOW_NO_NEIGH] = "no_neighbour",			\
	[SL_NAT_SLOW_OPTIONS] = "ip_options",				\
	[SL_NAT_SLOW_FRAG] = "fragment_unknown",			\
	[SL_NAT_SLOW_ICMP_ERROR] = "icmp_error",			\
	[SL_NAT_SLOW_NOT_FWDED] = "not_forwarded",			\
	[SL_NAT_SLOW_NO_RULE] = "no_rule",				\
	[SL_NAT_SLOW_OFF] = "fastpath_off",				\
	[SL_NAT_SLOW_UNPARSED] = "not_translatable",			\
	[SL_NAT_SLOW_NO_PORT] = "no_port",				\
	[SL_NAT_SLOW_ROUTED] = "routed_direct",				\
}

enum sl_nat_fast_dir {
	SL_NAT_FAST_DIR_OUT = 0,	/* container -> outside, at the container's port */
	SL_NAT_FAST_DIR_IN = 1,		/* outside -> container, at the uplink's ingress */
};

/* sl_nat_fast_stats: per-CPU ARRAY of one. */
struct sl_nat_fast_stats {
	__u64 fast[2];				/* by enum sl_nat_fast_dir */
	__u64 slow[2][SL_NAT_SLOW_MAX];		/* by direction and reason */
};

/* Rule flags: the uplink's XDP hook (replies translated before the stack sees them), in the
 * driver (native) or in the stack's generic XDP. Neither: tc only. */
#define SL_NAT_F_XDP_NATIVE	(1u << 17)
#define SL_NAT_F_XDP_GENERIC	(1u << 18)
#define SL_NAT_F_XDP		(SL_NAT_F_XDP_NATIVE | SL_NAT_F_XDP_GENERIC)
#define SL_PIN_PROG_NAT_XDP	"prog_nat_xdp"
#define SL_NAT_XDP_STATS_MAP	"sl_nat_xdp_stats"

/* sl_gw_xdp_prog: PROG_ARRAY of the switch's XDP program, tail-called for frames to a
 * gateway; slot SL_NAT_FAST_OUT holds the NAT's XDP outbound program while NAT rules exist.
 * sl_nat_xdp_tx: DEVMAP_HASH of the uplinks with an XDP hook (key and value the ifindex). */
#define SL_GW_XDP_PROG_MAP	"sl_gw_xdp_prog"
#define SL_NAT_XDP_TX_MAP	"sl_nat_xdp_tx"
#define SL_PIN_PROG_NAT_XDP_OUT	"prog_nat_xdp_out"

/* sl_nat_xdp_stats: per-CPU ARRAY of one. What the NAT's XDP programs did with each frame,
 * by enum sl_nat_fast_dir (out: at an XDP container port, in: at an XDP uplink): sent on in
 * XDP, or handed on to tc (and the host) and why. */
struct sl_nat_xdp_stats {
	__u64 fast[2];				/* translated and redirected */
	__u64 no_flow[2];			/* no live connection (tc makes or judges it) */
	__u64 pass[2][SL_NAT_SLOW_MAX];		/* handed on to tc, by enum sl_nat_slow */
};

#endif
