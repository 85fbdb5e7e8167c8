/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The one BPF <-> userspace contract: map keys and values, limits, drop reasons.
 * Fixed-width types and explicit padding only; both sides include this file. */
#ifndef SLUICE_H
#define SLUICE_H

#include <linux/types.h>

#define SL_NAME_LEN		16	/* switch and interface names (IFNAMSIZ) */
#define SL_NETNS_LEN		48	/* netns name shown by port show */
#define SL_VLAN_MAX		4094	/* highest valid VID */
#define SL_VLAN_DEFAULT		1
#define SL_VLAN_WORDS		64	/* 4096-bit trunk membership bitmap */
#define SL_FLOOD_MAX		1024	/* ports one (switch, VLAN) can flood to */
#define SL_PORTS_MAX		1024
#define SL_FDB_MAX		16384	/* default FDB capacity per instance */
#define SL_FDB_REFRESH_NS	1000000000ULL /* re-stamp a learned entry at most once a second */

/* Port VLAN modes. */
enum sl_port_mode {
	SL_MODE_ACCESS = 0,	/* untagged on the wire, member of pvid */
	SL_MODE_TRUNK = 1,	/* tagged VIDs of vids[]; untagged -> pvid if non-zero */
};

/* Port flags. */
#define SL_PORT_F_PEER		(1u << 0) /* veth whose peer is in another netns: bpf_redirect_peer */
#define SL_PORT_F_XDP_TX	(1u << 1) /* can receive XDP_REDIRECT (XDP port, peer has NAPI) */
#define SL_PORT_F_SPOOFCHK	(1u << 2) /* accept only mac/ip as source */
#define SL_PORT_F_GATEWAY	(1u << 3) /* the host's gateway leg on the switch */
#define SL_PORT_F_OWNED		(1u << 4) /* sluice created the device and deletes it */
#define SL_PORT_F_ENDPOINT	(1u << 5) /* macvlan endpoint in a container: no host device */
#define SL_PORT_F_LAN		(1u << 6) /* host macvlan: its parent's LAN joins the switch */
#define SL_PORT_F_PROMISC	(1u << 7) /* sluice turned the LAN parent promiscuous */
#define SL_PORT_F_CNI		(1u << 8) /* made by sluice-cni: `sluice save` leaves it out */
#define SL_PORT_F_VXLAN		(1u << 9) /* external-mode vxlan device: VNIs and remotes in sluice_vxlan.h */
#define SL_PORT_F_ADDRS4	(1u << 10) /* more IPv4 addresses than .ip: sl_port4 (sluice_ip4.h) */

/* A macvlan endpoint lives in the container's netns, whose ifindexes may be any
 * number: its ports key is its counter slot with this bit, no real ifindex. */
#define SL_EP_KEY_BIT		0x80000000u
#define SL_EP_KEY(slot)		(SL_EP_KEY_BIT | (slot))
/* On a macvlan parent's wire VLAN 1 travels untagged and every other VLAN tagged. */
#define SL_LAN_NATIVE_VID	SL_VLAN_DEFAULT

/* How a port's ingress is hooked. */
enum sl_port_hook {
	SL_HOOK_TC = 0,
	SL_HOOK_XDP_NATIVE = 1,
	SL_HOOK_XDP_GENERIC = 2,
	SL_HOOK_XDP_OFFLOAD = 3,	/* native XDP + the ingress filter offloaded to the device */
};

/* ports: key __u32 ifindex (in the managed host netns) */
struct sl_port {
	__u32 ifindex;
	__u32 switch_id;
	__u16 pvid;		/* access VID, or trunk native VID (0 = none) */
	__u8 mode;		/* enum sl_port_mode */
	__u8 hook;		/* enum sl_port_hook */
	__u32 flags;		/* SL_PORT_F_* */
	__u8 mac[6];		/* container-side MAC (anti-spoofing) */
	__u8 pad0[2];
	__u32 ip;		/* container IPv4, network order; 0 = not checked */
	__u32 slot;		/* index into sl_stats, 1..SL_PORTS_MAX (0: no port) */
	__u32 parent;		/* macvlan ports: the parent's ifindex in the host netns */
	__u32 ep_ifindex;	/* macvlan endpoints: the device's ifindex inside netns */
	char name[SL_NAME_LEN];	/* host-side ifname */
	char netns[SL_NETNS_LEN]; /* where the peer lives ("" = host) */
	__u64 vids[SL_VLAN_WORDS]; /* trunk: allowed VIDs */
};
/* selftests/netdevsim/test_offload.sh reads an offloaded port's vids[] at this byte. */
_Static_assert(__builtin_offsetof(struct sl_port, vids) == 104, "sl_port layout changed");

/* switches: key char[SL_NAME_LEN] name */
struct sl_switch {
	__u32 id;		/* 1.. ; ports carry it */
	__u32 gw_ifindex;	/* host-side gateway interface, 0 = none */
	__u32 gw_addr;		/* network order */
	__u8 gw_plen;
	__u8 pad0[3];
};

/* fdb: MAC table, one per (switch, VLAN) */
struct sl_fdb_key {
	__u32 switch_id;
	__u16 vid;
	__u8 mac[6];
};

#define SL_FDB_F_STATIC		(1u << 0)
/* Entries on a VXLAN port carry their remote host in flags bits 16-31: 1 + its index in
 * the port's remote list (sluice_vxlan.h), 0 = none. Kept inside flags so the entry keeps
 * its size (pinned FDBs survive an upgrade) and moves port and remote in one write. */
#define SL_FDB_REMOTE_SHIFT	16
#define SL_FDB_REMOTE(flags)	((flags) >> SL_FDB_REMOTE_SHIFT)
/* Bits 4-14: the port's slot (sl_port_slots), so that forwarding reads the destination's facts
 * from an ARRAY (inlined by the verifier) instead of hashing its ifindex. A hint only: 0 (an
 * entry from an older build) or a slot whose port is no longer IFINDEX falls back to sl_ports. */
#define SL_FDB_SLOT_SHIFT	4
#define SL_FDB_SLOT_MASK	0x7ffu	/* holds 1..SL_PORTS_MAX */
#define SL_FDB_SLOT(flags)	(((flags) >> SL_FDB_SLOT_SHIFT) & SL_FDB_SLOT_MASK)
#define SL_FDB_F_SLOT(slot)	(((__u32)(slot) & SL_FDB_SLOT_MASK) << SL_FDB_SLOT_SHIFT)

struct sl_fdb_entry {
	__u32 ifindex;
	__u32 flags;		/* SL_FDB_F_* */
	__u64 last_seen;	/* bpf_ktime_get_coarse_ns(): CLOCK_MONOTONIC, jiffy resolution */
};
_Static_assert(sizeof(struct sl_fdb_entry) == 16, "pinned FDBs survive an upgrade");
_Static_assert(SL_PORTS_MAX <= SL_FDB_SLOT_MASK, "a slot must fit the FDB entry's flags");

/* The learn cache (docs/datapath.md): per CPU and ingress port slot, the last source MAC
 * learned there, so that the frames of a burst from one container skip the FDB's hash lookup
 * for up to SL_FDB_REFRESH_NS. An entry counts only while its gen equals sl_fdb_gen, which
 * is bumped by every FDB change but a refresh: a move learned by any CPU or hook, and every
 * delete, flush, ageing sweep and `fdb add` of the controller. */
struct sl_learn_cache {
	__u8 mac[6];
	__u16 vid;
	__u32 flags;		/* the FDB flags it was learned with (slot, remote) */
	__u32 gen;		/* sl_fdb_gen when learned */
	__u64 stamp;		/* sl_fdb_now() of that learning */
};

/* Port facts by slot and the slot of a host ifindex, both ARRAYs that the switch programs
 * read instead of hashing into sl_ports (docs/datapath.md). Copies of sl_ports, written only
 * with it (userspace/port_table.c); an erased slot is all zero. Ifindexes at or above
 * SL_PORT_IDX_MAX, and a slot 0, are looked up in sl_ports. */
#define SL_PORT_IDX_MAX		65536

/* flood: ports of one (switch, VLAN); untagged members first, then tagged */
struct sl_flood_key {
	__u32 switch_id;
	__u32 vid;
};

struct sl_flood {
	__u32 count;		/* entries used in ifindex[] */
	__u32 tagged_from;	/* ifindex[tagged_from..count) egress tagged */
	__u32 ifindex[SL_FLOOD_MAX];
};

/* Drop reasons: every dropped frame is counted under exactly one. */
enum sl_drop {
	SL_DROP_RUNT = 0,		/* shorter than an Ethernet (or 802.1Q) header */
	SL_DROP_SRC_MCAST,		/* multicast/broadcast source MAC */
	SL_DROP_NO_SWITCH,		/* port without a valid switch */
	SL_DROP_VLAN_TAGGED_ON_ACCESS,	/* 802.1Q tag on an access port */
	SL_DROP_VLAN_NOT_ALLOWED,	/* VID not in the trunk's list (or not a macvlan endpoint's) */
	SL_DROP_VLAN_QINQ,		/* 802.1ad or stacked tags */
	SL_DROP_VLAN_INVALID,		/* VID 4095 */
	SL_DROP_VLAN_UNTAGGED,		/* untagged on a trunk without native VID */
	SL_DROP_SPOOF_MAC,		/* source MAC is not the port's */
	SL_DROP_SPOOF_IP,		/* source IPv4 / ARP sender is not the port's */
	SL_DROP_HAIRPIN,		/* destination is the ingress port */
	SL_DROP_NO_FLOOD,		/* nothing to flood to in this VLAN */
	SL_DROP_REDIRECT,		/* redirect helper failed */
	SL_DROP_VLAN_OP,		/* tag push/pop failed */
	SL_DROP_SPOOF_IP6,		/* IPv6 source is not the port's (:: outside DAD) */
	SL_DROP_ND_SPOOF,		/* NS/NA target or link-layer option claims another's */
	SL_DROP_RA_GUARD,		/* router advertisement/redirect from an untrusted port */
	SL_DROP_DHCP6_SERVER,		/* DHCPv6 server/relay message from an untrusted port */
	SL_DROP_IP6_EXT_CHAIN,		/* IPv6 extension headers beyond what the guard walks */
	SL_DROP_VXLAN_REMOTE,		/* VXLAN frame from a host not in the port's remotes */
	SL_DROP_VXLAN_VNI,		/* VXLAN frame of a VNI (or to a VLAN) the port does not map */
	SL_DROP_VXLAN_KEY,		/* reading or setting the tunnel key failed */
	SL_DROP_MAX,
};

#define SL_DROP_NAMES {						\
	[SL_DROP_RUNT] = "runt",				\
	[SL_DROP_SRC_MCAST] = "src_mac_multicast",		\
	[SL_DROP_NO_SWITCH] = "no_switch",			\
	[SL_DROP_VLAN_TAGGED_ON_ACCESS] = "vlan_tagged_on_access", \
	[SL_DROP_VLAN_NOT_ALLOWED] = "vlan_not_allowed",	\
	[SL_DROP_VLAN_QINQ] = "vlan_qinq",			\
	[SL_DROP_VLAN_INVALID] = "vlan_invalid",		\
	[SL_DROP_VLAN_UNTAGGED] = "vlan_untagged_no_native",	\
	[SL_DROP_SPOOF_MAC] = "spoofed_mac",			\
	[SL_DROP_SPOOF_IP] = "spoofed_ip",			\
	[SL_DROP_HAIRPIN] = "hairpin",				\
	[SL_DROP_NO_FLOOD] = "no_flood_target",			\
	[SL_DROP_REDIRECT] = "redirect_failed",			\
	[SL_DROP_VLAN_OP] = "vlan_op_failed",			\
	[SL_DROP_SPOOF_IP6] = "spoofed_ip6",			\
	[SL_DROP_ND_SPOOF] = "nd_spoofed",			\
	[SL_DROP_RA_GUARD] = "ra_guard",			\
	[SL_DROP_DHCP6_SERVER] = "dhcp6_server",		\
	[SL_DROP_IP6_EXT_CHAIN] = "ipv6_ext_chain",		\
	[SL_DROP_VXLAN_REMOTE] = "vxlan_unknown_remote",	\
	[SL_DROP_VXLAN_VNI] = "vxlan_vni_unmapped",		\
	[SL_DROP_VXLAN_KEY] = "vxlan_tunnel_key",		\
}

/* stats: per-CPU array indexed by the port's slot; slot 0 counts frames seen
 * where a program outlived its port */
struct sl_port_stats {
	__u64 rx_packets;
	__u64 rx_bytes;
	__u64 tx_packets;
	__u64 tx_bytes;
	__u64 learned;		/* FDB entries written by this port */
	__u64 learn_failed;	/* FDB full: the MAC was not learned */
	__u64 flooded;		/* frames this port flooded */
	__u64 xdp_pass;		/* XDP frames handed to the tc program */
	__u64 drops[SL_DROP_MAX];
};

/* Pin layout under /sys/fs/bpf/sluice/<instance>/ */
#define SL_PIN_BASE		"/sys/fs/bpf/sluice"
#define SL_PIN_PROG_TC		"prog_tc"
#define SL_PIN_PROG_XDP		"prog_xdp"
#define SL_PIN_CLSACT		"clsact"	/* clsact/<ifindex>: a qdisc sluice created (hook.h) */
#define SL_PIN_LINKS		"links"	/* links/<ifindex>_tc, links/<ifindex>_xdp (bpffs forbids dots) */
#define SL_PIN_PROG_LAN		"prog_lan"	/* on a macvlan parent that links its LAN to a switch */
#define SL_PIN_OFFLOAD		"offload" /* offload/<ifindex>_{prog,port,stats}: device-bound objects */

#endif
