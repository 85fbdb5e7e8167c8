/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The events' BPF <-> userspace contract: the ring buffer's record, the switch a consumer
 * turns events on with, and the names of what an event says. Both sides include this file. */
#ifndef SLUICE_EVENT_H
#define SLUICE_EVENT_H

#include <linux/types.h>

#define SL_EV_SNAP		128	/* first bytes of a frame carried by an event */
#define SL_EV_RING_BYTES	(1u << 20) /* sl_events: a power of two, ~4k events */

/* Pin names under /sys/fs/bpf/sluice/<instance>/ (maps pinned under their own names). */
#define SL_PIN_EV_RING		"sl_events"
#define SL_PIN_EV_CFG		"sl_ev_cfg"
#define SL_PIN_EV_LOST		"sl_ev_lost"
#define SL_PIN_PROG_EV_INJECT	"prog_ev_inject"

/* Event types; also the bits of sl_ev_cfg.mask (1 << type). */
enum sl_ev_type {
	SL_EV_DROP = 0,		/* a frame dropped (or an inbound packet no connection explains) */
	SL_EV_TRACE = 1,	/* a forwarding decision */
	SL_EV_NAT = 2,		/* a NAT connection's life */
	SL_EV_TYPE_MAX,
};

/* Which table names sl_event.code. */
enum sl_ev_source {
	SL_EV_SRC_SWITCH = 0,	/* enum sl_drop */
	SL_EV_SRC_NAT = 1,	/* enum sl_nat_drop */
	SL_EV_SRC_NAT_NOTE = 2,	/* enum sl_ev_nat_note: passed, but worth a look */
	SL_EV_SRC_TRACE = 3,	/* enum sl_ev_trace */
	SL_EV_SRC_CONN = 4,	/* enum sl_ev_conn */
	SL_EV_SRC_MAX,
};

/* Where the event was made. */
enum sl_ev_hook {
	SL_EV_HOOK_TC = 0,		/* switch port, tc ingress */
	SL_EV_HOOK_XDP = 1,		/* switch port, XDP */
	SL_EV_HOOK_EP_EGRESS = 2,	/* macvlan endpoint, container -> wire */
	SL_EV_HOOK_EP_INGRESS = 3,	/* macvlan endpoint, wire -> container */
	SL_EV_HOOK_NAT_EGRESS = 4,	/* uplink, outbound */
	SL_EV_HOOK_NAT_INGRESS = 5,	/* uplink, inbound */
	SL_EV_HOOK_DAEMON = 6,		/* the daemon's connection GC */
	SL_EV_HOOK_MAX,
};

/* Inbound packets the NAT passed to the host but an operator may be looking for. */
enum sl_ev_nat_note {
	SL_EV_NOTE_UNSOLICITED = 0,	/* to a mapped port, from an endpoint never addressed */
	SL_EV_NOTE_MAX,
};

enum sl_ev_trace {
	SL_EV_TR_LEARNED = 0,	/* the source MAC was learned (data[0..6) is the MAC) */
	SL_EV_TR_UNICAST,	/* forwarded to port aux */
	SL_EV_TR_FLOODED,	/* flooded in its VLAN */
	SL_EV_TR_SNAT,		/* translated on the way out: source -> x */
	SL_EV_TR_DNAT,		/* translated on the way in: destination -> x */
	SL_EV_TR_FASTPATH,	/* the NAT fast path sent it to device aux, skipping the host
				 * (SL_EV_F_REPLY: inbound, from the uplink to a port) */
	SL_EV_TR_MAX,
};

enum sl_ev_conn {
	SL_EV_CONN_NEW = 0,	/* a connection was created */
	SL_EV_CONN_ASSURED,	/* it saw traffic both ways (ESTABLISHED, UDP stream) */
	SL_EV_CONN_CLOSED,	/* TCP reached TIME_WAIT or CLOSE */
	SL_EV_CONN_EXPIRED,	/* the daemon's GC removed it at its deadline */
	SL_EV_CONN_REPAIRED,	/* the LRU evicted one half; rebuilt */
	SL_EV_CONN_MAX,
};

#define SL_EV_NAT_NOTE_NAMES { [SL_EV_NOTE_UNSOLICITED] = "unsolicited" }
#define SL_EV_TRACE_NAMES {						\
	[SL_EV_TR_LEARNED] = "learned",					\
	[SL_EV_TR_UNICAST] = "unicast",					\
	[SL_EV_TR_FLOODED] = "flooded",					\
	[SL_EV_TR_SNAT] = "snat",					\
	[SL_EV_TR_DNAT] = "dnat",					\
	[SL_EV_TR_FASTPATH] = "fastpath",				\
}
#define SL_EV_CONN_NAMES {						\
	[SL_EV_CONN_NEW] = "new",					\
	[SL_EV_CONN_ASSURED] = "assured",				\
	[SL_EV_CONN_CLOSED] = "closed",					\
	[SL_EV_CONN_EXPIRED] = "expired",				\
	[SL_EV_CONN_REPAIRED] = "repaired",				\
}
#define SL_EV_HOOK_NAMES {						\
	[SL_EV_HOOK_TC] = "tc",						\
	[SL_EV_HOOK_XDP] = "xdp",					\
	[SL_EV_HOOK_EP_EGRESS] = "endpoint-out",			\
	[SL_EV_HOOK_EP_INGRESS] = "endpoint-in",			\
	[SL_EV_HOOK_NAT_EGRESS] = "nat-out",				\
	[SL_EV_HOOK_NAT_INGRESS] = "nat-in",				\
	[SL_EV_HOOK_DAEMON] = "daemon",					\
}

#define SL_EV_F_TAG_META	(1u << 0) /* the frame's tag (tci) was skb metadata, not in data[] */
#define SL_EV_F_TAGGED		(1u << 1) /* the frame carried a tag (tci) when the event was made */
#define SL_EV_F_REPLY		(1u << 2) /* NAT: the packet went the reply way */

/* sl_ev_cfg: ARRAY of one, written by the consumer (sluice monitor). 0 = no events. */
struct sl_ev_cfg {
	__u32 mask;		/* 1 << enum sl_ev_type */
	__u32 pad;
};

/* The ring buffer's record. The tuple is the NAT's view (network order): for packets,
 * the packet's own addresses before translation; x_addr/x_port what they became. */
struct sl_event {
	__u64 ts;		/* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
	__u8 type;		/* enum sl_ev_type */
	__u8 source;		/* enum sl_ev_source: the table naming code */
	__u8 code;		/* drop reason, trace step, connection event */
	__u8 hook;		/* enum sl_ev_hook */
	__u32 ifindex;		/* port or uplink, in the managed host netns (0: none) */
	__u32 switch_id;
	__u16 vid;		/* VLAN the frame is in (0: unknown) */
	__u16 tci;		/* the tag it carried, if SL_EV_F_TAGGED */
	__u32 flags;		/* SL_EV_F_* */
	__u32 aux;		/* unicast, fastpath: the destination's ifindex; NAT: state */
	__u32 pkt_len;		/* the frame's length; data[] holds cap_len of it */
	__u16 cap_len;
	__u8 proto;		/* NAT: IP protocol */
	__u8 pad0;
	__be32 saddr, daddr, x_addr;
	__be16 sport, dport, x_port;
	__u8 pad1[6];
	__u8 data[SL_EV_SNAP];
};
_Static_assert(sizeof(struct sl_event) == 192, "sl_event layout changed");

#endif
