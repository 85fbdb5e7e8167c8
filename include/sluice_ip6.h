/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The IPv6 part of the BPF <-> userspace contract: which port owns which IPv6 address
 * on a switch, and each port's IPv6 policy (source checking, RA guard trust). */
#ifndef SLUICE_IP6_H
#define SLUICE_IP6_H

#include <linux/types.h>

#define SL_ADDR6_MAX		8192	/* (switch, IPv6 address) owners per instance */
#define SL_ADDR6_PORT_MAX	8	/* addresses one `port add` takes */

/* sl_addr6: one switch is one IPv6 address space, as for IPv4: each address has one
 * owner, a container port or the switch's gateway leg (the host). */
struct sl_addr6_key {
	__u32 switch_id;
	__u8 addr[16];
};

#define SL_ADDR6_F_GATEWAY	(1u << 0) /* the host's address on a gateway leg */
#define SL_ADDR6_F_AUTO_LL	(1u << 1) /* link-local derived from the port's MAC (EUI-64) */
#define SL_ADDR6_F_LINKLOCAL	(1u << 2) /* an fe80::/10 address the operator gave */

struct sl_addr6 {
	__u32 slot;		/* owner: its port slot (struct sl_port.slot) */
	__u32 flags;		/* SL_ADDR6_F_* */
	__u8 plen;		/* prefix length as configured (shown; gateway overlap checks) */
	__u8 pad[7];
};

/* sl_port6: array indexed by port slot, all zero for a port sluice gave no IPv6. */
#define SL_PORT6_F_CHECK	(1u << 0) /* has IPv6 addresses: any other source is spoofed */
#define SL_PORT6_F_TRUSTED	(1u << 1) /* may send RAs, redirects, DHCPv6 server messages */

struct sl_port6 {
	__u32 flags;		/* SL_PORT6_F_* */
	__u32 naddr;		/* addresses it owns in sl_addr6 (its auto link-local excluded) */
	__u8 gw6[16];		/* the container's IPv6 default gateway (:: = none); shown */
};

#endif
