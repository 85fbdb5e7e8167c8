/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* A port's IPv4 addresses beyond its first (struct sl_port.ip): the part of the BPF <->
 * userspace contract that anti-spoofing reads only for a source that is not sl_port.ip. */
#ifndef SLUICE_IP4_H
#define SLUICE_IP4_H

#include <linux/types.h>

#define SL_ADDR4_PORT_MAX	8	/* IPv4 addresses one port takes: .ip and 7 in sl_port4 */
#define SL_ADDR4_EXTRA_MAX	(SL_ADDR4_PORT_MAX - 1)

/* sl_port4: array indexed by port slot (struct sl_port.slot); only ports with
 * SL_PORT_F_ADDRS4 are looked up, so a zero entry is a port with one address. */
struct sl_port4 {
	__u32 naddr;				/* entries used in addr[] */
	__u32 addr[SL_ADDR4_EXTRA_MAX];		/* network order */
	__u8 plen[SL_ADDR4_PORT_MAX];		/* prefix lengths: [0] is .ip's; shown */
};

#endif
