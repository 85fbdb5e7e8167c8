/* SPDX-License-Identifier: GPL-2.0-only */
/* Anti-spoofing: a container port may only speak with its own MAC, IPv4 addresses and IPv6
 * (spoof6.h; not in the offloaded filter, which has no room for its maps). */
#ifndef SL_SPOOF_H
#define SL_SPOOF_H

#include <linux/ip.h>
#include "eth.h"
#include "sluice.h"
#ifndef SL_SPOOF_NO_IP6
#include "spoof6.h"
#include "maps4.h"
#endif

/* ARP for IPv4 over Ethernet, the part that names the sender. */
struct sl_arp_ipv4 {
	__be16 htype, ptype;
	__u8 hlen, plen;
	__be16 op;
	__u8 sha[ETH_ALEN];
	__be32 sip;
} __attribute__((packed));

/* SRC (not 0) is not PORT's first IPv4 address: may it send from it? Only a port with
 * several addresses looks further, so the one-address case stays a compare. */
static __always_inline int sl_spoof_ip4_other(const struct sl_port *port, __u32 src)
{
	if (!(port->flags & SL_PORT_F_ADDRS4))
		return 0;
#ifndef SL_SPOOF_NO_IP6
	return sl_addr4_extra(port, src);
#else
	return 1;	/* offloaded: no room for the map; the host's program decides */
#endif
}

/* Returns -1 when the frame may pass, else the drop reason. Headers too short
 * to hold a source address carry none to check: L2 forwarding passes them. */
static __always_inline int sl_spoof_check(const struct sl_port *port, const struct ethhdr *eth,
					  void *l3, void *data_end, __be16 proto)
{
	if (!(port->flags & SL_PORT_F_SPOOFCHK))
		return -1;
	if (!sl_mac_eq(eth->h_source, port->mac))
		return SL_DROP_SPOOF_MAC;
	if (proto == bpf_htons(ETH_P_ARP)) {
		struct sl_arp_ipv4 *arp = l3;

		if ((void *)(arp + 1) > data_end)
			return -1;
		/* The sender MAC is what neighbours cache: it must be the port's, too. */
		if (!sl_mac_eq(arp->sha, port->mac))
			return SL_DROP_SPOOF_MAC;
		if (port->ip && arp->sip && arp->sip != port->ip &&
		    !sl_spoof_ip4_other(port, arp->sip))
			return SL_DROP_SPOOF_IP;
	} else if (proto == bpf_htons(ETH_P_IP) && port->ip) {
		struct iphdr *iph = l3;

		if ((void *)(iph + 1) <= data_end && iph->saddr && iph->saddr != port->ip &&
		    !sl_spoof_ip4_other(port, iph->saddr))
			return SL_DROP_SPOOF_IP;
	}
#ifndef SL_SPOOF_NO_IP6
	return sl_spoof6_check(port, l3, data_end, proto);
#else
	return -1;
#endif
}

#endif
