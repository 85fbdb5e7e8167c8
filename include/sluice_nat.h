/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The masquerade NAT's BPF <-> userspace contract: rules, connection table, port mappings,
 * fragments, timeouts, counters and drop reasons. Both sides include this file. */
#ifndef SLUICE_NAT_H
#define SLUICE_NAT_H

#include <linux/types.h>
#include "sluice.h"

#define SL_NAT_RULES_MAX	16	/* rule slots scanned per packet */
#define SL_NAT_FLOWS_DEFAULT	262144	/* connections; each takes two table entries */
#define SL_NAT_FLOWS_MIN	64
#define SL_NAT_FLOWS_MAX	(1u << 24)
#define SL_NAT_FRAGS_MAX	4096	/* datagrams in flight as fragments */
#define SL_NAT_PORT_LO		32768	/* default range: the kernel's ip_local_port_range */
#define SL_NAT_PORT_HI		60999
#define SL_NAT_PROBES		32	/* candidate ports tried after the source port */
#define SL_NAT_REFRESH_NS	(250 * 1000000ULL) /* an entry's deadline is rewritten at most this often */
#define SL_NAT_MAP_GRACE_NS	(2 * 1000000000ULL) /* GC spares a mapping this young: its flow may be being inserted */
#define SL_NAT_UDP_STREAM_MS	2000	/* nf_conntrack's stream_ts: a UDP flow is a stream only after this */

/* Pin names under /sys/fs/bpf/sluice/<instance>/ (maps are pinned under their own names). */
#define SL_PIN_PROG_NAT_EGRESS	"prog_nat_egress"
#define SL_PIN_PROG_NAT_INGRESS	"prog_nat_ingress"
/* links/<ifindex>_nat_egress and links/<ifindex>_nat_ingress */
#define SL_PIN_PROG_NAT_GUARD	"prog_nat_guard"	/* links/<ifindex>_nat_guard: gateway host legs */

/* Rule flags. */
#define SL_NAT_F_FOLLOW		(1u << 0) /* external address is the out device's primary, followed */
#define SL_NAT_F_PORTS		(1u << 1) /* ports LO-HI given: never leave the range, not even to keep */
#define SL_NAT_F_RANDOM		(1u << 2) /* random: no source-port keeping, random probe start */
#define SL_NAT_F_DIRECT		(1u << 3) /* direct allow: the uplink side may reach the subnet routed */

/* sl_nat_rules: ARRAY indexed by slot; used == 0 marks a free slot. */
struct sl_nat_rule {
	__u32 used;
	__u32 out_ifindex;	/* uplink, in the managed host netns */
	__be32 src_addr;	/* masqueraded prefix, network order, host bits zero */
	__be32 src_mask;
	__be32 ext_addr;	/* translated source address */
	__u16 port_lo;		/* host order, inclusive */
	__u16 port_hi;
	__u32 flags;		/* SL_NAT_F_* */
	__u32 pad0;
	char name[SL_NAME_LEN];
	char out_name[SL_NAME_LEN];
};

/* Connection states; the timeout of a connection is the one of its state. */
enum sl_nat_state {
	SL_NAT_ST_SYN_SENT = 0,
	SL_NAT_ST_SYN_RECV,
	SL_NAT_ST_ESTABLISHED,
	SL_NAT_ST_FIN_WAIT,
	SL_NAT_ST_CLOSE_WAIT,
	SL_NAT_ST_LAST_ACK,
	SL_NAT_ST_TIME_WAIT,
	SL_NAT_ST_CLOSE,
	SL_NAT_ST_UDP,		/* no reply seen yet, or replied within 2 s of the start */
	SL_NAT_ST_UDP_STREAM,	/* a packet after a reply, 2 s or more in: "assured" */
	SL_NAT_ST_ICMP,		/* echo */
	SL_NAT_ST_MAX,
};

#define SL_NAT_STATE_NAMES {						\
	[SL_NAT_ST_SYN_SENT] = "SYN_SENT",				\
	[SL_NAT_ST_SYN_RECV] = "SYN_RECV",				\
	[SL_NAT_ST_ESTABLISHED] = "ESTABLISHED",			\
	[SL_NAT_ST_FIN_WAIT] = "FIN_WAIT",				\
	[SL_NAT_ST_CLOSE_WAIT] = "CLOSE_WAIT",				\
	[SL_NAT_ST_LAST_ACK] = "LAST_ACK",				\
	[SL_NAT_ST_TIME_WAIT] = "TIME_WAIT",				\
	[SL_NAT_ST_CLOSE] = "CLOSE",					\
	[SL_NAT_ST_UDP] = "UNREPLIED",					\
	[SL_NAT_ST_UDP_STREAM] = "ASSURED",				\
	[SL_NAT_ST_ICMP] = "ECHO",					\
}

/* What `sluice nat timeouts` calls each state's timeout. */
#define SL_NAT_TIMEOUT_NAMES {						\
	[SL_NAT_ST_SYN_SENT] = "tcp_syn_sent",				\
	[SL_NAT_ST_SYN_RECV] = "tcp_syn_recv",				\
	[SL_NAT_ST_ESTABLISHED] = "tcp_established",			\
	[SL_NAT_ST_FIN_WAIT] = "tcp_fin_wait",				\
	[SL_NAT_ST_CLOSE_WAIT] = "tcp_close_wait",			\
	[SL_NAT_ST_LAST_ACK] = "tcp_last_ack",				\
	[SL_NAT_ST_TIME_WAIT] = "tcp_time_wait",			\
	[SL_NAT_ST_CLOSE] = "tcp_close",				\
	[SL_NAT_ST_UDP] = "udp",					\
	[SL_NAT_ST_UDP_STREAM] = "udp_stream",				\
	[SL_NAT_ST_ICMP] = "icmp",					\
}

/* nf_conntrack's defaults (net.netfilter.nf_conntrack_*_timeout*), seconds. */
#define SL_NAT_TIMEOUT_DEFAULTS {					\
	[SL_NAT_ST_SYN_SENT] = 120,					\
	[SL_NAT_ST_SYN_RECV] = 60,					\
	[SL_NAT_ST_ESTABLISHED] = 432000,				\
	[SL_NAT_ST_FIN_WAIT] = 120,					\
	[SL_NAT_ST_CLOSE_WAIT] = 60,					\
	[SL_NAT_ST_LAST_ACK] = 30,					\
	[SL_NAT_ST_TIME_WAIT] = 120,					\
	[SL_NAT_ST_CLOSE] = 10,						\
	[SL_NAT_ST_UDP] = 30,						\
	[SL_NAT_ST_UDP_STREAM] = 120,					\
	[SL_NAT_ST_ICMP] = 30,						\
}

/* sl_nat_cfg: ARRAY of one. */
struct sl_nat_cfg {
	__u32 timeout[SL_NAT_ST_MAX];	/* seconds; 0 = the default above */
	__u32 nrules;			/* slots 0..nrules-1 are scanned */
	__u32 seed;			/* port hash seed, random per instance */
};

/* sl_nat_ct: LRU hash, one entry per direction of a connection. The ORIG entry is keyed by
 * the packet as the container sent it and holds the state; the REPLY entry is keyed by
 * the packet as the remote end sends it back and says where it goes. ICMP echo carries its
 * identifier as sport in requests and as dport in replies, so both keys swap like ports. */
enum sl_nat_dir {
	SL_NAT_DIR_ORIG = 0,
	SL_NAT_DIR_REPLY = 1,
};

struct sl_nat_ct_key {
	__be32 saddr;
	__be32 daddr;
	__be16 sport;
	__be16 dport;
	__u8 proto;
	__u8 dir;		/* enum sl_nat_dir */
	__u8 pad[2];
};

#define SL_NAT_CT_F_REPLIED	(1u << 0) /* a packet came back */
#define SL_NAT_CT_F_FIN_ORIG	(1u << 1) /* the container sent FIN */
#define SL_NAT_CT_F_FIN_REPLY	(1u << 2) /* the remote end sent FIN */
#define SL_NAT_CT_F_LAST_FIN_REPLY (1u << 3) /* the second FIN came from the remote end */
#define SL_NAT_CT_F_DIRECT	(1u << 4) /* routed, untranslated: opened from the uplink side to a
					   * container of a `direct allow` rule; addr:port is the
					   * container's own (nat_direct.h) */
#define SL_NAT_CT_F_OPENED_IN	(1u << 5) /* the remote end opened it (a published port, or
					   * DIRECT): the TCP machine sees it as the opener */

struct sl_nat_ct {
	__u64 expires;		/* ORIG: deadline; REPLY: when it was made (GC grace for an
				 * orphan); both bpf_ktime_get_ns(), i.e. CLOCK_MONOTONIC */
	__be32 addr;		/* ORIG: external address; REPLY: internal address */
	__be16 port;		/* ORIG: external port/id; REPLY: internal port/id */
	__u8 state;		/* ORIG: enum sl_nat_state */
	__u8 flags;		/* ORIG: SL_NAT_CT_F_* */
	__u32 rule;		/* rule slot that made it */
	__u32 born;		/* ORIG: when it began, ms of CLOCK_MONOTONIC mod 2^32 (UDP's
				 * 2-second stream rule); 0 in entries of older builds */
};

/* sl_nat_map (internal endpoint -> external port) and sl_nat_rmap (external port ->
 * internal endpoint): the endpoint-independent mapping. rmap inserts with BPF_NOEXIST
 * are what make an external port belong to exactly one internal endpoint. */
struct sl_nat_map_key {
	__be32 addr;
	__be16 port;
	__u8 proto;
	__u8 pad;
};

struct sl_nat_map {
	__be32 addr;
	__be16 port;
	__u8 rule;
	__u8 pad;
	__u64 last_used;	/* ns: when a flow last started on it (GC grace) */
};

/* sl_nat_frag: LRU hash, the translation of a fragmented datagram's first fragment. */
struct sl_nat_frag_key {
	__be32 saddr;		/* as the fragments arrive (before translation) */
	__be32 daddr;
	__be16 id;
	__u8 proto;
	__u8 dir;		/* enum sl_nat_dir */
};

struct sl_nat_frag {
	__be32 addr;		/* ORIG: new source; REPLY: new destination */
	__u32 pad;
};

/* sl_nat_local: LPM trie of the subnets behind the instance's gateways (each switch's
 * address and each VLAN gateway's), kept by the controller. Traffic from a masqueraded
 * prefix to them is the host's to route, never translated. */
#define SL_NAT_LOCAL_MAX	(SL_PORTS_MAX + 256)	/* every gateway is a port; + switches */

struct sl_nat_local_key {
	__u32 prefixlen;	/* LPM trie key: bits of addr that count */
	__be32 addr;		/* network order, host bits zero */
};

struct sl_nat_local {
	__u32 switch_id;	/* the switch whose gateway owns the subnet */
	__u16 vid;		/* its VLAN */
	__u16 pad;
};

/* Drop reasons of the NAT: every packet from a masqueraded subnet that leaves untranslated
 * is dropped and counted under exactly one. */
enum sl_nat_drop {
	SL_NAT_DROP_BAD_IP = 0,		/* IHL < 5 or total length shorter than the header */
	SL_NAT_DROP_TRUNCATED,		/* L4 header cut short */
	SL_NAT_DROP_TCP_OFFSET,		/* TCP data offset under 5 words or past the packet */
	SL_NAT_DROP_TCP_FLAGS,		/* impossible TCP flag combination */
	SL_NAT_DROP_NO_FLOW,		/* packet that cannot start a connection, and none exists */
	SL_NAT_DROP_ICMP_INNER,		/* ICMP error without a usable inner header */
	SL_NAT_DROP_ICMP_UNTRACKED,	/* ICMP error about no known connection */
	SL_NAT_DROP_ICMP_TYPE,		/* ICMP type that is not translated */
	SL_NAT_DROP_PROTO,		/* IP protocol other than TCP, UDP and ICMP */
	SL_NAT_DROP_PORTS,		/* no free external port */
	SL_NAT_DROP_TABLE,		/* mapping or connection table insert failed */
	SL_NAT_DROP_FRAG,		/* non-first fragment whose first fragment was not seen */
	SL_NAT_DROP_REWRITE,		/* a header rewrite helper failed */
	SL_NAT_DROP_DIRECT,		/* from an uplink to a masqueraded subnet, not allowed */
	SL_NAT_DROP_UPLINK_GONE,	/* the rule's uplink is gone or not hooked: would leak */
	SL_NAT_DROP_MAX,
};

#define SL_NAT_DROP_NAMES {						\
	[SL_NAT_DROP_BAD_IP] = "bad_ip_header",				\
	[SL_NAT_DROP_TRUNCATED] = "truncated",				\
	[SL_NAT_DROP_TCP_OFFSET] = "tcp_bad_offset",			\
	[SL_NAT_DROP_TCP_FLAGS] = "tcp_bad_flags",			\
	[SL_NAT_DROP_NO_FLOW] = "no_flow",				\
	[SL_NAT_DROP_ICMP_INNER] = "icmp_bad_inner",			\
	[SL_NAT_DROP_ICMP_UNTRACKED] = "icmp_untracked",		\
	[SL_NAT_DROP_ICMP_TYPE] = "icmp_unsupported",			\
	[SL_NAT_DROP_PROTO] = "proto_unsupported",			\
	[SL_NAT_DROP_PORTS] = "ports_exhausted",			\
	[SL_NAT_DROP_TABLE] = "table_full",				\
	[SL_NAT_DROP_FRAG] = "frag_without_first",			\
	[SL_NAT_DROP_REWRITE] = "rewrite_failed",			\
	[SL_NAT_DROP_DIRECT] = "direct_to_private",			\
	[SL_NAT_DROP_UPLINK_GONE] = "uplink_gone",			\
}

/* sl_nat_stats: per-CPU ARRAY of one. */
struct sl_nat_stats {
	__u64 snat_packets;	/* translated on the way out */
	__u64 dnat_packets;	/* translated on the way in */
	__u64 flows;		/* connections created */
	__u64 allocations;	/* external ports allocated to an internal endpoint */
	__u64 alloc_failed;	/* allocations that found no free port */
	__u64 collisions;	/* candidate ports found taken */
	__u64 repaired;		/* connection halves the LRU evicted, re-created */
	__u64 unsolicited;	/* inbound to a mapped port from an endpoint never addressed */
	__u64 icmp_errors;	/* ICMP errors translated (both ways) */
	__u64 fragments;	/* non-first fragments translated */
	__u64 drops[SL_NAT_DROP_MAX];
	/* nat66: IPv6 packets and connections (also counted in the totals above) */
	__u64 snat6_packets;
	__u64 dnat6_packets;
	__u64 flows6;
	/* fragments: early ones held for the daemon until their first fragment (nat_frag.h) */
	__u64 frag_held;	/* later fragments handed to the daemon to wait for their first */
	__u64 frag_released;	/* held fragments whose first came: re-injected by the daemon */
	__u64 frag_expired;	/* always 0 here: the daemon counts them in sl_nat_frag_ctl */
	__u64 frag_overflow;	/* not held: past a bound (also counted frag_without_first) */
	__u64 hairpin;		/* packets of hairpin connections to a published port (both ways) */
};

/* Holding early fragments (docs/nat-fragments.md). A later fragment whose first fragment was
 * not seen is copied to the daemon (perf event with the packet bytes) and dropped; when the
 * first fragment is translated a release event tells the daemon to re-inject them. */
#define SL_NAT_FRAG_HELD_MAX	1024	/* datagrams waiting for their first fragment */
#define SL_NAT_FRAG_HOLD_FRAGS	64	/* fragments held per datagram (duplicates count) */
#define SL_NAT_FRAG_HOLD_BYTES	(96 * 1024) /* bytes held per datagram */
#define SL_NAT_FRAG_PKT_MAX	9216	/* longest frame held (jumbo MTU + Ethernet) */
#define SL_NAT_FRAG_HOLD_NS	(1000 * 1000000ULL)	/* held this long at most (daemon) */
#define SL_NAT_FRAG_ALIVE_NS	(2000 * 1000000ULL)	/* heartbeat older: the daemon is gone */
#define SL_NAT_FRAG_DAEMON_BYTES (4u << 20)	/* bytes the daemon holds in all */

/* sl_nat_frag_held: LRU hash keyed by struct sl_nat_frag_key, one per datagram held. */
struct sl_nat_frag_held {
	__u64 first_ns;		/* when its first held fragment came */
	__u32 frags;		/* fragments held */
	__u32 bytes;		/* their frame bytes */
};

/* sl_nat_frag_ctl: ARRAY of one, written by the daemon. */
struct sl_nat_frag_ctl {
	__u64 heartbeat_ns;	/* CLOCK_MONOTONIC of the daemon's last round; BPF holds
				 * fragments only while it is younger than SL_NAT_FRAG_ALIVE_NS */
	__u64 expired;		/* held fragments freed unreleased after SL_NAT_FRAG_HOLD_NS */
	__u64 reinjected;	/* held fragments sent back into the datapath */
	__u64 lost;		/* events the daemon missed or could not re-inject */
};

/* sl_nat_frag_ev: PERF_EVENT_ARRAY; each sample is this header, then (HOLD) the frame. */
enum sl_nat_frag_ev_kind {
	SL_NAT_FRAG_EV_HOLD = 1,	/* a later fragment to hold; its frame follows */
	SL_NAT_FRAG_EV_RELEASE = 2,	/* the first fragment of KEY was translated to ADDR */
};

struct sl_nat_frag_ev {
	__u32 kind;		/* enum sl_nat_frag_ev_kind */
	__u32 ifindex;		/* HOLD: the uplink it was taken from */
	struct sl_nat_frag_key key;
	__be32 addr;		/* RELEASE: ORIG new source, REPLY new destination */
	__u32 len;		/* HOLD: frame bytes that follow */
};

#endif
