/* SPDX-License-Identifier: MIT */
/* The NAT66 fixture: the NAT fixture with an IPv6 rule in slot 1 (fd00::/64 out ut0 to
 * NAT6_EXT), IPv6 frame builders (TCP, UDP, echo, errors, fragments) and a checksum
 * verifier over the pseudo-header, quoted packets included. */
#ifndef UNIT_NAT6_FIXTURE_H
#define UNIT_NAT6_FIXTURE_H

#include "nat_fixture.h"
#include "packet6.h"
#include "sluice_nat6.h"

#define NAT6_IN1	ip6("fd00::10")
#define NAT6_IN2	ip6("fd00::11")
#define NAT6_EXT	ip6("2001:db8::1")
#define NAT6_REM	ip6("2001:db8:100::7")
#define NAT6_REM2	ip6("2001:db8:100::8")
#define NAT6_RTR	ip6("2001:db8:ff::1")
#define NAT6_SLOT	1

/* nat_open() plus the NAT66 rule in slot NAT6_SLOT. */
struct nat *nat6_open(void);

/* Frames MAC_B -> MAC_A, every checksum computed from scratch. */
struct pkt pkt6_udp(struct ip6a s, __u16 sp, struct ip6a d, __u16 dp);
struct pkt pkt6_tcp(struct ip6a s, __u16 sp, struct ip6a d, __u16 dp, __u8 flags);
struct pkt pkt6_echo(struct ip6a s, struct ip6a d, __u16 id, __u8 type);
/* An ICMPv6 error TYPE/CODE (WORD: the MTU of Packet Too Big) quoting Q's IPv6 packet. */
struct pkt pkt6_error(struct ip6a s, struct ip6a d, __u8 type, __u8 code, __u32 word,
		      const struct pkt *q);
/* Fragment of a UDP datagram (LEN bytes of L4 from udp6_datagram) at OFF, FLEN bytes. */
struct pkt pkt6_frag(struct ip6a s, struct ip6a d, __u32 id, const __u8 *dgram, size_t len,
		     size_t off, size_t flen);
size_t udp6_datagram(__u8 *buf, struct ip6a s, struct ip6a d, __u16 sp, __u16 dp, size_t plen);

/* NULL when every IPv6 L4 checksum in the frame verifies (an ICMPv6 error's quote too). */
const char *pkt6_csum_error(const __u8 *f, size_t len);
/* The L4 source / destination port (or echo identifier) of an unfragmented IPv6 frame. */
__u16 frame6_sport(const __u8 *f);
__u16 frame6_dport(const __u8 *f);

#define ASSERT_FRAME6(r, want)							\
	do {									\
		const char *_e = pkt6_csum_error((r).out, (r).len);		\
		if (_e)								\
			runner_fail(__FILE__, __LINE__, "translated frame: %s", _e); \
		runner_check_mem(__FILE__, __LINE__, "translated frame", (r).out, (r).len, \
				 (want).data, (want).len);			\
	} while (0)

#endif
