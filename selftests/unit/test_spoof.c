// SPDX-License-Identifier: MIT
/* Anti-spoofing on a port with SL_PORT_F_SPOOFCHK, through both hooks: only the
 * port's own source MAC, IPv4 source and ARP sender address get in. */
#include <linux/bpf.h>
#include <linux/if_arp.h>
#include <linux/pkt_cls.h>
#include "fixture.h"

enum { GUARDED, OPEN };

/* GUARDED may speak only as MAC_A / IP_A; OPEN is unchecked. Both access VLAN 1. */
static struct sw *spoof_ports(void)
{
	struct sw *sw = sw_open();

	PORT(sw, GUARDED, .pvid = 1, .flags = SL_PORT_F_SPOOFCHK, .mac = MAC_A, .ip = IP_A);
	PORT(sw, OPEN, .pvid = 1);
	return sw;
}

static struct pkt udp_from(const __u8 *mac, __u32 ip)
{
	struct pkt p;

	pkt_eth(&p, MAC_BCAST, mac);
	pkt_udp4(&p, ip, IP_B, 68, 67, 20);
	return p;
}

static struct pkt arp_from(const __u8 *mac, __u32 ip)
{
	struct pkt p;

	pkt_eth(&p, MAC_BCAST, mac);
	pkt_arp(&p, ARPOP_REQUEST, mac, ip, MAC_ZERO, IP_B);
	return p;
}

/* P is dropped for WHY by both hooks of port N and leaves no FDB entry. */
static void check_spoof_dropped(int n, const struct pkt *p, const __u8 *src, enum sl_drop why)
{
	struct sw *sw = spoof_ports();
	struct sl_fdb_entry e;

	ASSERT_EQ(sw_run_tc(sw, n, p).ret, TC_ACT_SHOT);
	ASSERT_EQ(sw_run_xdp(sw, n, p).ret, XDP_DROP);
	ASSERT_DROPS(sw, n, why, 2);
	ASSERT_FALSE(sw_fdb_get(sw, 1, 1, src, &e));
	ASSERT_EQ(sw_stats(sw, OPEN).tx_packets, 0);
}

/* P gets through both hooks of port N: flooded by tc, handed to tc by XDP. */
static void check_spoof_passed(int n, const struct pkt *p, const __u8 *src)
{
	struct sw *sw = spoof_ports();
	struct sl_fdb_entry e;

	ASSERT_EQ(sw_run_xdp(sw, n, p).ret, XDP_PASS);
	sw_run_tc(sw, n, p);
	ASSERT_NO_DROPS(sw, n);
	ASSERT_EQ(sw_stats(sw, n).flooded, 1);
	ASSERT_TRUE(sw_fdb_get(sw, 1, 1, src, &e));
}

TEST(spoofchk_drops_foreign_source_mac)
{
	struct pkt p = udp_from(MAC_C, IP_A);

	check_spoof_dropped(GUARDED, &p, MAC_C, SL_DROP_SPOOF_MAC);
}

TEST(spoofchk_drops_foreign_source_ipv4)
{
	struct pkt p = udp_from(MAC_A, IP_C);

	check_spoof_dropped(GUARDED, &p, MAC_A, SL_DROP_SPOOF_IP);
}

TEST(spoofchk_drops_arp_claiming_another_ip)
{
	struct pkt p = arp_from(MAC_A, IP_B);

	check_spoof_dropped(GUARDED, &p, MAC_A, SL_DROP_SPOOF_IP);
}

/* An ARP from the port's own MAC that names another MAC as sender would point
 * neighbours' caches at someone else (ARP poisoning by proxy). */
TEST(spoofchk_drops_arp_naming_another_sender_mac)
{
	struct pkt p;

	pkt_eth(&p, MAC_BCAST, MAC_A);
	pkt_arp(&p, ARPOP_REPLY, MAC_C, IP_A, MAC_ZERO, IP_B);
	check_spoof_dropped(GUARDED, &p, MAC_A, SL_DROP_SPOOF_MAC);
}

TEST(spoofchk_passes_own_ipv4)
{
	struct pkt p = udp_from(MAC_A, IP_A);

	check_spoof_passed(GUARDED, &p, MAC_A);
}

TEST(spoofchk_passes_own_arp)
{
	struct pkt p = arp_from(MAC_A, IP_A);

	check_spoof_passed(GUARDED, &p, MAC_A);
}

/* DHCP discovers and ARP probes come from 0.0.0.0 before the address is known. */
TEST(spoofchk_passes_unspecified_source_ip)
{
	struct pkt udp = udp_from(MAC_A, 0), arp = arp_from(MAC_A, 0);

	check_spoof_passed(GUARDED, &udp, MAC_A);
	check_spoof_passed(GUARDED, &arp, MAC_A);
}

TEST(port_without_spoofchk_passes_any_source)
{
	struct pkt p = udp_from(MAC_C, IP_C);

	check_spoof_passed(OPEN, &p, MAC_C);
}
