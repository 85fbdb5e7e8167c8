/* SPDX-License-Identifier: MIT */
/* Crafted IPv6 frames for the unit tests: the IPv6 header over raw payload (which may start
 * with extension headers), UDP, and ICMPv6 / neighbour discovery, checksums filled in. */
#ifndef UNIT_PACKET6_H
#define UNIT_PACKET6_H

#include "packet.h"

struct ip6a {
	uint8_t a[16];
};

/* An IPv6 address from text; fails the test on a typo. */
struct ip6a ip6(const char *text);
/* fe80::/64 with MAC's modified EUI-64 interface ID. */
struct ip6a ip6_eui64(const uint8_t *mac);
/* ff02::1:ffXX:XXXX of ADDR. */
struct ip6a ip6_solicited(struct ip6a addr);

/* IPv6 (hop limit 255) with next header NH over LEN bytes of PAYLOAD; the ICMPv6 or UDP
 * checksum is filled when NH is 58 or 17 (PAYLOAD then starts with that header). */
void pkt_ip6(struct pkt *p, struct ip6a src, struct ip6a dst, uint8_t nh, const void *payload,
	     size_t len);
void pkt_udp6(struct pkt *p, struct ip6a src, struct ip6a dst, uint16_t sport, uint16_t dport);
/* Neighbour solicitation or advertisement (TYPE 135/136) for TARGET, with a link-layer
 * option (SLLA for NS, TLLA for NA) carrying LLADDR unless it is NULL. */
void pkt_nd(struct pkt *p, uint8_t type, struct ip6a src, struct ip6a dst, struct ip6a target,
	    const uint8_t *lladdr);

#endif
