/* SPDX-License-Identifier: MIT */
/* Crafted test frames, built layer by layer (Ethernet, 802.1Q/802.1ad tags, IPv4,
 * UDP/TCP/ICMP, ARP) with correct checksums, and a checksum verifier for assertions. */
#ifndef UNIT_PACKET_H
#define UNIT_PACKET_H

#include <stddef.h>
#include <stdint.h>
#include <arpa/inet.h>
#include "runner.h"

#define PKT_MAX		1518

struct pkt {
	uint8_t data[PKT_MAX];
	size_t len;
	size_t l3;		/* offset of the L3 header; its EtherType sits at l3 - 2 */
};

static inline uint32_t ipv4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	return htonl((uint32_t)a << 24 | b << 16 | c << 8 | d);
}

/* Start a frame: destination and source MAC. An L3 builder writes the EtherType. */
void pkt_eth(struct pkt *p, const uint8_t *dst, const uint8_t *src);
/* Append a tag (TPID, TCI) after the MACs or the previous tag: call outer first. */
void pkt_vlan(struct pkt *p, uint16_t tpid, uint16_t tci);
/* EtherType TYPE followed by LEN bytes of pattern. */
void pkt_raw(struct pkt *p, uint16_t type, size_t len);
/* IPv4 (addresses in network order) carrying UDP, TCP or an ICMP echo request. */
void pkt_udp4(struct pkt *p, uint32_t saddr, uint32_t daddr, uint16_t sport, uint16_t dport,
	      size_t payload_len);
void pkt_tcp4(struct pkt *p, uint32_t saddr, uint32_t daddr, uint16_t sport, uint16_t dport,
	      size_t payload_len);
void pkt_icmp4_echo(struct pkt *p, uint32_t saddr, uint32_t daddr, uint16_t id, uint16_t seq,
		    size_t payload_len);
/* ARP for IPv4 over Ethernet; OP is ARPOP_REQUEST or ARPOP_REPLY. */
void pkt_arp(struct pkt *p, uint16_t op, const uint8_t *sha, uint32_t sip,
	     const uint8_t *tha, uint32_t tip);

/* RFC 1071 Internet checksum of LEN bytes: 0 over data that carries a valid one. */
uint16_t pkt_csum16(const void *data, size_t len);
/* NULL if every IPv4/UDP/TCP/ICMP checksum in FRAME verifies, else what is wrong. */
const char *pkt_csum_error(const uint8_t *frame, size_t len);

#define ASSERT_CSUM_OK(frame, len)					\
	do {								\
		const char *_e = pkt_csum_error(frame, len);		\
		if (_e)							\
			runner_fail(__FILE__, __LINE__, "%s: %s", #frame, _e); \
	} while (0)

#endif
