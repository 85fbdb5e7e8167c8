/* SPDX-License-Identifier: MIT */
/* pktgen's frame template: Ethernet + IPv4 + UDP with valid checksums, built once in userspace;
 * the BPF program writes its headers into every frame, then the UDP source port per flow. */
#ifndef PKTGEN_FRAME_H
#define PKTGEN_FRAME_H

#include <stdint.h>
#include <netinet/in.h>

#define FRAME_FCS_LEN	4	/* counted in SIZE, not carried by veth */
#define FRAME_HDR_LEN	42	/* Ethernet 14 + IPv4 20 + UDP 8 */
#define FRAME_SIZE_MIN	64	/* SIZE as on an Ethernet wire, FCS included */
#define FRAME_SIZE_MAX	1518	/* 1500-byte MTU: veth drops longer XDP frames */

struct frame_spec {
	uint8_t src_mac[6];
	uint8_t dst_mac[6];
	struct in_addr src_ip;
	struct in_addr dst_ip;
	uint16_t sport;		/* host order; first of the flows */
	uint16_t dport;		/* host order */
	unsigned int size;	/* FRAME_SIZE_MIN..FRAME_SIZE_MAX, FCS included */
};

/* Writes size - FRAME_FCS_LEN bytes into buf; returns that length. */
unsigned int frame_build(const struct frame_spec *spec, uint8_t *buf);

/* UDP checksum field of a built frame, network order, as the BPF program's base. */
uint16_t frame_udp_check(const uint8_t *buf);

#endif
