/* SPDX-License-Identifier: GPL-2.0-only */
/* Ethernet and 802.1Q header layouts and MAC helpers. */
#ifndef SL_ETH_H
#define SL_ETH_H

#include <linux/types.h>
#include <linux/if_ether.h>
#include <bpf/bpf_endian.h>

struct sl_vlan_hdr {
	__be16 tci;
	__be16 proto;		/* encapsulated EtherType */
};

static __always_inline int sl_mac_is_mcast(const __u8 *mac)
{
	return mac[0] & 1;	/* group bit: multicast and broadcast */
}

static __always_inline int sl_mac_eq(const __u8 *a, const __u8 *b)
{
	return *(const __u32 *)a == *(const __u32 *)b &&
	       *(const __u16 *)(a + 4) == *(const __u16 *)(b + 4);
}

static __always_inline int sl_proto_is_vlan(__be16 proto)
{
	return proto == bpf_htons(ETH_P_8021Q) || proto == bpf_htons(ETH_P_8021AD);
}

#endif
