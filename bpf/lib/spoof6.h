/* SPDX-License-Identifier: GPL-2.0-only */
/* IPv6 anti-spoofing of a spoofchk port: its own sources only (:: only for DAD), no
 * neighbour discovery claiming another's address or MAC, no RA/DHCPv6 server unless trusted. */
#ifndef SL_SPOOF6_H
#define SL_SPOOF6_H

#include <linux/in.h>	/* IPPROTO_UDP */
#include <linux/udp.h>
#include "eth.h"
#include "maps6.h"

#ifndef ETH_P_IPV6
#define ETH_P_IPV6	0x86DD
#endif
#define SL_IP6_EXT_MAX	6	/* extension headers walked to find the upper layer */
#define SL_ND_OPT_MAX	4	/* ND options read (Linux sends at most two: lladdr, nonce) */
#define SL_DHCP6_SERVER_PORT	547

enum {
	SL_ICMP6_MLD_REPORT = 131,
	SL_ICMP6_RS = 133,
	SL_ICMP6_RA = 134,
	SL_ICMP6_NS = 135,
	SL_ICMP6_NA = 136,
	SL_ICMP6_REDIRECT = 137,
	SL_ICMP6_MLD2_REPORT = 143,
	SL_ND_OPT_SLLA = 1,
	SL_ND_OPT_TLLA = 2,
	/* IPv6 next headers (linux/in6.h hides them behind libc's) */
	SL_IP6_HOPOPTS = 0,
	SL_IP6_ROUTING = 43,
	SL_IP6_FRAGMENT = 44,
	SL_IP6_ICMP = 58,
	SL_IP6_DSTOPTS = 60,
};

/* Addresses as 32-bit words: compared a word at a time. */
struct sl_ip6hdr {
	__be32 vtc_flow;
	__be16 payload_len;
	__u8 nexthdr;
	__u8 hop_limit;
	__u32 saddr[4];
	__u32 daddr[4];
};

/* Neighbour Solicitation and Advertisement: header, then the target address. */
struct sl_nd_msg {
	__u8 type, code;
	__be16 csum;
	__be32 flags;
	__u32 target[4];
};

struct sl_ip6_ext {
	__u8 nexthdr;
	__u8 len;		/* 8-byte units beyond the first 8 (fragment header: reserved) */
	__be16 frag_off;	/* fragment header only: offset << 3 | M */
};

static __always_inline int sl_ip6_is_unspec(const __u32 *a)
{
	return !(a[0] | a[1] | a[2] | a[3]);
}

/* fe80::/64 with the modified EUI-64 interface ID of MAC (RFC 4291 appendix A). */
static __always_inline int sl_ip6_is_eui64_of(const __u32 *a, const __u8 *mac)
{
	__u8 id[8] = { mac[0] ^ 2, mac[1], mac[2], 0xff, 0xfe, mac[3], mac[4], mac[5] };

	return a[0] == bpf_htonl(0xfe800000) && !a[1] && a[2] == *(__u32 *)id &&
	       a[3] == *(__u32 *)(id + 4);
}

/* ff02::1:ffXX:XXXX, where DAD sends its solicitation. */
static __always_inline int sl_ip6_is_solicited_node(const __u32 *a)
{
	return a[0] == bpf_htonl(0xff020000) && !a[1] && a[2] == bpf_htonl(1) &&
	       (a[3] & bpf_htonl(0xff000000)) == bpf_htonl(0xff000000);
}

/* May PORT speak as address A? Another port's address: never; one of its own or its
 * EUI-64 link-local: yes; an unknown one: only while sluice gave the port no IPv6. */
static __always_inline int sl_addr6_mine(const struct sl_port *port, __u32 pflags, const __u32 *a)
{
	struct sl_addr6_key k = { .switch_id = port->switch_id };
	struct sl_addr6 *o;

	__builtin_memcpy(k.addr, a, sizeof(k.addr));
	o = bpf_map_lookup_elem(&sl_addr6, &k);
	if (o)
		return o->slot == port->slot;
	if (sl_ip6_is_eui64_of(a, port->mac))
		return 1;
	return !(pflags & SL_PORT6_F_CHECK);
}

/* Walk the extension headers behind IP6 to the upper layer: its protocol and header,
 * or *l4 = NULL when there is none to read (a non-first fragment, a cut chain).
 * Returns -1, or SL_DROP_IP6_EXT_CHAIN for a chain longer than the walk. */
static __always_inline int sl_ip6_upper(struct sl_ip6hdr *ip6, void *data_end, __u8 *proto,
					void **l4)
{
	void *p = ip6 + 1;
	__u8 nh = ip6->nexthdr;

	*l4 = NULL;
#pragma unroll
	for (int i = 0; i < SL_IP6_EXT_MAX; i++) {
		struct sl_ip6_ext *e = p;

		*proto = nh;
		if (nh != SL_IP6_HOPOPTS && nh != SL_IP6_ROUTING && nh != SL_IP6_DSTOPTS &&
		    nh != SL_IP6_FRAGMENT) {
			*l4 = p;
			return -1;
		}
		if ((void *)(e + 1) > data_end)
			return -1;
		if (nh == SL_IP6_FRAGMENT) {
			if (e->frag_off & bpf_htons(0xfff8))
				return -1;	/* a later fragment: the first one was checked */
			p += 8;
		} else {
			p += ((__u32)e->len + 1) * 8;
		}
		nh = e->nexthdr;
	}
	return SL_DROP_IP6_EXT_CHAIN;
}

/* Source/target link-layer address options must carry the port's own MAC. */
static __always_inline int sl_nd_opts_check(void *opt, void *data_end, const __u8 *mac)
{
#pragma unroll
	for (int i = 0; i < SL_ND_OPT_MAX; i++) {
		__u8 *o = opt;

		if ((void *)(o + 8) > data_end || !o[1])
			return -1;	/* the end, or a zero length every receiver discards */
		if ((o[0] == SL_ND_OPT_SLLA || o[0] == SL_ND_OPT_TLLA) && !sl_mac_eq(o + 2, mac))
			return SL_DROP_ND_SPOOF;
		opt += (__u32)o[1] * 8;
	}
	/* More options than are read could hide a lladdr: refuse what cannot be checked. */
	return opt + 2 <= data_end ? SL_DROP_ND_SPOOF : -1;
}

/* :: is a source only while an address is tentative (RFC 4862 5.4.2, RFC 3590): the
 * DAD solicitation to a solicited-node group, and the MLD report joining it. */
static __always_inline int sl_dad_ok(const struct sl_ip6hdr *ip6, __u8 proto, __u8 *l4,
				     void *data_end)
{
	if (proto != SL_IP6_ICMP || !l4 || (void *)(l4 + 1) > data_end)
		return 0;
	if (l4[0] == SL_ICMP6_NS)
		return sl_ip6_is_solicited_node(ip6->daddr);
	return l4[0] == SL_ICMP6_MLD2_REPORT || l4[0] == SL_ICMP6_MLD_REPORT;
}

static __always_inline int sl_icmp6_check(const struct sl_port *port, __u32 pflags,
					  const struct sl_ip6hdr *ip6, void *l4, void *data_end)
{
	struct sl_nd_msg *nd = l4;
	__u8 type;

	if ((void *)(nd) + 8 > data_end)
		return -1;
	type = nd->type;
	if (type == SL_ICMP6_RA || type == SL_ICMP6_REDIRECT)	/* router-only messages */
		return pflags & SL_PORT6_F_TRUSTED ? -1 : SL_DROP_RA_GUARD;
	if (type == SL_ICMP6_RS)
		return sl_nd_opts_check(l4 + 8, data_end, port->mac);
	if (type != SL_ICMP6_NS && type != SL_ICMP6_NA)
		return -1;
	if ((void *)(nd + 1) > data_end)
		return -1;
	/* An advertisement speaks for its target, and so does a DAD probe; an ordinary
	 * solicitation names the neighbour it looks for. */
	if ((type == SL_ICMP6_NA || sl_ip6_is_unspec(ip6->saddr)) &&
	    !sl_addr6_mine(port, pflags, nd->target))
		return SL_DROP_ND_SPOOF;
	return sl_nd_opts_check(nd + 1, data_end, port->mac);
}

/* Returns -1 when the frame may pass, else the drop reason. */
static __always_inline int sl_spoof6_check(const struct sl_port *port, void *l3, void *data_end,
					   __be16 proto)
{
	struct sl_ip6hdr *ip6 = l3;
	struct sl_port6 *p6;
	__u32 slot = port->slot, pflags = 0;
	void *l4;
	__u8 nh = 0;
	int why;

	if (proto != bpf_htons(ETH_P_IPV6) || (void *)(ip6 + 1) > data_end)
		return -1;
	p6 = bpf_map_lookup_elem(&sl_port6, &slot);
	if (p6)
		pflags = p6->flags;
	why = sl_ip6_upper(ip6, data_end, &nh, &l4);
	if (why >= 0) {
		if (!(pflags & SL_PORT6_F_TRUSTED))
			return why;
		l4 = NULL;
	}
	if (l4) {
		__u32 zero = 0, *off = bpf_map_lookup_elem(&sl_scratch6, &zero);

		if (!off)
			return -1;
		*off = l4 - l3;
		l4 = l3 + (*(volatile __u32 *)off & 0x3fff);
	}
	if (sl_ip6_is_unspec(ip6->saddr)) {
		if (!sl_dad_ok(ip6, nh, l4, data_end))
			return SL_DROP_SPOOF_IP6;
	} else if (!sl_addr6_mine(port, pflags, ip6->saddr)) {
		return SL_DROP_SPOOF_IP6;
	}
	if (!l4)
		return -1;
	if (nh == IPPROTO_UDP) {
		struct udphdr *uh = l4;

		if ((void *)(uh + 1) <= data_end && uh->source == bpf_htons(SL_DHCP6_SERVER_PORT) &&
		    !(pflags & SL_PORT6_F_TRUSTED))
			return SL_DROP_DHCP6_SERVER;
		return -1;
	}
	if (nh == SL_IP6_ICMP)
		return sl_icmp6_check(port, pflags, ip6, l4, data_end);
	return -1;
}

#endif
