/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* NAT66 masquerade's part of the BPF <-> userspace contract: the IPv6 half of a rule and
 * the IPv6 twins of the connection, mapping and fragment tables (docs/ipv6.md). */
#ifndef SLUICE_NAT6_H
#define SLUICE_NAT6_H

#include <linux/types.h>
#include "sluice_nat.h"

/* A NAT66 rule takes a slot of sl_nat_rules like any rule (name, uplink, ports, flags), with
 * SL_NAT_F_IPV6 set and IPv4 fields no IPv4 packet can match: src 255.255.255.255/32 (never
 * routed out of an uplink), external address 0.0.0.0. Its prefixes live in sl_nat6_rules at
 * the same slot. So the IPv4 datapath needs no change to ignore it. */
#define SL_NAT_F_IPV6		(1u << 4)
#define SL_NAT6_V4_SRC		0xffffffffu
#define SL_NAT6_V4_MASK		0xffffffffu

/* sl_nat6_rules: ARRAY indexed by the rule's slot. Addresses as network-order words. */
struct sl_nat6_rule {
	__u32 src[4];		/* masqueraded prefix, host bits zero */
	__u32 mask[4];		/* its mask, from plen */
	__u32 ext[4];		/* translated source address */
	__u32 plen;
	__u32 pad;
};

/* sl_nat6_ct: LRU hash, one entry per direction, as sl_nat_ct (same dir and echo rules). */
struct sl_nat6_ct_key {
	__u32 saddr[4];
	__u32 daddr[4];
	__be16 sport;
	__be16 dport;
	__u8 proto;		/* IPPROTO_TCP, IPPROTO_UDP or 58 (ICMPv6) */
	__u8 dir;		/* enum sl_nat_dir */
	__u8 pad[2];
};

/* c holds state, flags, deadline, port and rule exactly as sl_nat_ct does (so the TCP and
 * UDP state machine of ct.h serves both families); c.addr is 0, the address is addr. */
struct sl_nat6_ct {
	struct sl_nat_ct c;
	__u32 addr[4];		/* ORIG: external address; REPLY: internal address */
};

/* sl_nat6_map (internal endpoint -> external port) and sl_nat6_rmap (external endpoint ->
 * internal one): the endpoint-independent mapping, as sl_nat_map/sl_nat_rmap. */
struct sl_nat6_map_key {
	__u32 addr[4];
	__be16 port;
	__u8 proto;
	__u8 pad;
};

struct sl_nat6_map {
	__u32 addr[4];
	__be16 port;
	__u8 rule;
	__u8 pad[5];
	__u64 last_used;	/* ns: when a flow last started on it (GC grace) */
};

/* sl_nat6_frag: LRU hash, the translation of a fragmented datagram's first fragment,
 * keyed by the Fragment header's 32-bit identification. */
struct sl_nat6_frag_key {
	__u32 saddr[4];		/* as the fragments arrive (before translation) */
	__u32 daddr[4];
	__be32 id;
	__u8 proto;
	__u8 dir;
	__u8 pad[2];
};

struct sl_nat6_frag {
	__u32 addr[4];		/* ORIG: new source; REPLY: new destination */
};

#define SL_NAT6_MAP_NAMES "sl_nat6_rules", "sl_nat6_ct", "sl_nat6_map", "sl_nat6_rmap", \
			  "sl_nat6_frag"

#endif
