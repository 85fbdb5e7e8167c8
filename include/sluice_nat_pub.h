/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Published ports (`sluice nat publish`, docker run -p): the BPF <-> userspace contract of
 * the DNAT from an uplink's port to a container. Both sides include this file. */
#ifndef SLUICE_NAT_PUB_H
#define SLUICE_NAT_PUB_H

#include <linux/types.h>

#define SL_NAT_PUB_MAX		4096	/* published ports (each port of a range counts) */
#define SL_NAT_PUB_MAP		"sl_nat_pub"

/* sl_nat_pub: HASH, one entry per published port. Keyed by the uplink rather than its
 * address, so a rule that follows its uplink's address keeps its ports. */
struct sl_nat_pub_key {
	__u32 ifindex;		/* the rule's uplink, in the managed host netns */
	__be16 port;		/* published port */
	__u8 proto;		/* IPPROTO_TCP or IPPROTO_UDP */
	__u8 pad;
};

struct sl_nat_pub {
	__be32 to_addr;		/* the container */
	__be32 from_addr;	/* sources allowed: from_addr/from_mask (0/0: any) */
	__be32 from_mask;
	__be16 to_port;		/* this port's target port */
	__u16 ext_lo;		/* host order: the range this port was published with, */
	__u16 ext_hi;		/* for `publish show` and `publish del` */
	__u16 to_lo;
	__u16 to_hi;
	__u8 rule;		/* slot of the NAT rule it belongs to */
	__u8 pad;
};

/* Hairpin (a container to its host's uplink address : published port): the target sees the
 * connection come from the gateway address of its (switch, VLAN), as with Docker's
 * MASQUERADE of hairpin traffic. sl_nat_gw: HASH keyed by struct sl_nat_local (switch_id,
 * vid) -> that gateway's address (__be32), kept with sl_nat_local by the controller. */
#define SL_NAT_GW_MAP		"sl_nat_gw"
#define SL_NAT_HP_PROBES	16	/* mapping ports tried for a hairpin connection */

#endif
