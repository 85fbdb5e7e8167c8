// SPDX-License-Identifier: MIT
/* The frame builders and the checksum verifier the other tests rely on: known
 * vectors, exact tag layout, and corruption being caught. */
#include <linux/if_arp.h>
#include <linux/if_ether.h>
#include "fixture.h"

/* The IPv4 header example used by RFC 1071 write-ups: checksum 0xb861. */
TEST(csum16_matches_known_ipv4_header)
{
	__u8 hdr[20] = { 0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
			 0x00, 0x00, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7 };

	ASSERT_EQ(pkt_csum16(hdr, sizeof(hdr)), 0xb861);
	hdr[10] = 0xb8;
	hdr[11] = 0x61;
	ASSERT_EQ(pkt_csum16(hdr, sizeof(hdr)), 0);
}

TEST(built_frames_have_valid_checksums)
{
	struct pkt p;

	pkt_eth(&p, MAC_B, MAC_A);
	pkt_udp4(&p, IP_A, IP_B, 1000, 2000, 33);	/* odd length: padded sum */
	ASSERT_CSUM_OK(p.data, p.len);
	pkt_eth(&p, MAC_B, MAC_A);
	pkt_vlan(&p, ETH_P_8021Q, 10);
	pkt_tcp4(&p, IP_A, IP_B, 1000, 80, 100);
	ASSERT_CSUM_OK(p.data, p.len);
	pkt_eth(&p, MAC_B, MAC_A);
	pkt_icmp4_echo(&p, IP_A, IP_B, 7, 1, 56);
	ASSERT_CSUM_OK(p.data, p.len);
}

TEST(csum_verifier_catches_corruption)
{
	struct pkt p;

	pkt_eth(&p, MAC_B, MAC_A);
	pkt_udp4(&p, IP_A, IP_B, 1000, 2000, 32);
	p.data[p.len - 1] ^= 0x01;			/* payload */
	ASSERT_TRUE(pkt_csum_error(p.data, p.len) != NULL);
	pkt_eth(&p, MAC_B, MAC_A);
	pkt_tcp4(&p, IP_A, IP_B, 1000, 80, 0);
	p.data[p.l3 + 16] ^= 0x80;			/* source address */
	ASSERT_TRUE(pkt_csum_error(p.data, p.len) != NULL);
	pkt_eth(&p, MAC_B, MAC_A);
	pkt_icmp4_echo(&p, IP_A, IP_B, 7, 1, 8);
	p.data[p.l3 + 20 + 4] ^= 0x01;			/* echo id */
	ASSERT_TRUE(pkt_csum_error(p.data, p.len) != NULL);
}

TEST(tags_stack_outer_first_before_ethertype)
{
	const __u8 want[] = { 0x88, 0xa8, 0x00, 0x0a, 0x81, 0x00, 0x60, 0x14, 0x08, 0x06 };
	struct pkt p;

	pkt_eth(&p, MAC_BCAST, MAC_A);
	pkt_vlan(&p, ETH_P_8021AD, 10);
	pkt_vlan(&p, ETH_P_8021Q, 3 << 13 | 20);
	pkt_arp(&p, ARPOP_REQUEST, MAC_A, IP_A, MAC_ZERO, IP_B);
	ASSERT_MEM_EQ(p.data + 12, sizeof(want), want, sizeof(want));
	ASSERT_EQ(p.len, 14 + 8 + 28);
	ASSERT_EQ(p.l3, 22);
}
