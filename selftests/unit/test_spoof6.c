// SPDX-License-Identifier: MIT
/* IPv6 anti-spoofing on spoofchk ports, through both hooks: own sources only, :: only for
 * DAD, no ND claiming another's address or MAC, RA guard and DHCPv6 server guard. */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "switch_tc.skel.h"
#include "sluice_ip6.h"
#include "fixture.h"
#include "packet6.h"

/* GUARDED owns fd00::a and fe80::1234 (and its EUI-64 link-local); NEIGH owns fd00::b;
 * BARE has spoofchk but no IPv6 from sluice; OPEN has no spoofchk. */
enum { GUARDED, OPEN, NEIGH, BARE };

#define A_OWN	ip6("fd00::a")
#define A_NEIGH	ip6("fd00::b")
#define A_ELSE	ip6("fd00::c")
#define A_ALL	ip6("ff02::1")
#define A_ANY	ip6("::")

static void addr6_own(struct sw *sw, int n, struct ip6a a)
{
	struct sl_addr6_key k = { .switch_id = 1 };
	struct sl_addr6 v = { .slot = n + 1, .plen = 64 };

	memcpy(k.addr, a.a, 16);
	if (bpf_map_update_elem(bpf_map__fd(sw->tc->maps.sl_addr6), &k, &v, BPF_ANY))
		runner_fail(__FILE__, __LINE__, "sl_addr6: %s", strerror(errno));
}

static void port6_flags(struct sw *sw, int n, __u32 flags)
{
	struct sl_port6 v = { .flags = flags };
	__u32 slot = n + 1;

	if (bpf_map_update_elem(bpf_map__fd(sw->tc->maps.sl_port6), &slot, &v, BPF_ANY))
		runner_fail(__FILE__, __LINE__, "sl_port6: %s", strerror(errno));
}

static struct sw *spoof6_ports(__u32 guarded_flags)
{
	struct sw *sw = sw_open();

	PORT(sw, GUARDED, .pvid = 1, .flags = SL_PORT_F_SPOOFCHK, .mac = MAC_A);
	PORT(sw, OPEN, .pvid = 1);
	PORT(sw, NEIGH, .pvid = 1, .flags = SL_PORT_F_SPOOFCHK, .mac = MAC_B);
	PORT(sw, BARE, .pvid = 1, .flags = SL_PORT_F_SPOOFCHK, .mac = MAC_C);
	addr6_own(sw, GUARDED, A_OWN);
	addr6_own(sw, GUARDED, ip6("fe80::1234"));
	addr6_own(sw, NEIGH, A_NEIGH);
	port6_flags(sw, GUARDED, SL_PORT6_F_CHECK | guarded_flags);
	port6_flags(sw, NEIGH, SL_PORT6_F_CHECK);
	return sw;
}

/* P from port N is dropped for WHY by both hooks and reaches nobody. */
static void check6_dropped(__u32 flags, int n, const struct pkt *p, enum sl_drop why)
{
	struct sw *sw = spoof6_ports(flags);

	ASSERT_EQ(sw_run_tc(sw, n, p).ret, TC_ACT_SHOT);
	ASSERT_EQ(sw_run_xdp(sw, n, p).ret, XDP_DROP);
	ASSERT_DROPS(sw, n, why, 2);
	ASSERT_EQ(sw_stats(sw, OPEN).tx_packets, 0);
}

/* P from port N gets through both hooks: XDP hands it to tc, which floods it. */
static void check6_passed(__u32 flags, int n, const struct pkt *p)
{
	struct sw *sw = spoof6_ports(flags);

	ASSERT_EQ(sw_run_xdp(sw, n, p).ret, XDP_PASS);
	sw_run_tc(sw, n, p);
	ASSERT_NO_DROPS(sw, n);
	ASSERT_EQ(sw_stats(sw, n).flooded, 1);
}

static struct pkt udp6(const __u8 *mac, struct ip6a src, __u16 sport, __u16 dport)
{
	struct pkt p;

	pkt_eth(&p, MAC_BCAST, mac);
	pkt_udp6(&p, src, A_ALL, sport, dport);
	return p;
}

static struct pkt nd(__u8 type, struct ip6a src, struct ip6a dst, struct ip6a target,
		     const __u8 *lladdr)
{
	struct pkt p;

	pkt_eth(&p, MAC_BCAST, MAC_A);
	pkt_nd(&p, type, src, dst, target, lladdr);
	return p;
}

/* An ICMPv6 message of TYPE (8 bytes, no options) from GUARDED's EUI-64 link-local. */
static struct pkt icmp6(__u8 type)
{
	__u8 m[16] = { type };
	struct pkt p;

	pkt_eth(&p, MAC_BCAST, MAC_A);
	pkt_ip6(&p, ip6_eui64(MAC_A), A_ALL, 58, m, sizeof(m));
	return p;
}

TEST(spoof6_passes_own_global_source)
{
	struct pkt p = udp6(MAC_A, A_OWN, 5000, 6000);

	check6_passed(0, GUARDED, &p);
}

TEST(spoof6_passes_eui64_and_operator_link_local)
{
	struct pkt eui = udp6(MAC_A, ip6_eui64(MAC_A), 5000, 6000);
	struct pkt op = udp6(MAC_A, ip6("fe80::1234"), 5000, 6000);

	check6_passed(0, GUARDED, &eui);
	check6_passed(0, GUARDED, &op);
}

TEST(spoof6_drops_foreign_source)
{
	struct pkt other = udp6(MAC_A, A_ELSE, 5000, 6000);
	struct pkt neigh_ll = udp6(MAC_A, ip6_eui64(MAC_B), 5000, 6000);

	check6_dropped(0, GUARDED, &other, SL_DROP_SPOOF_IP6);
	check6_dropped(0, GUARDED, &neigh_ll, SL_DROP_SPOOF_IP6);
}

/* Without IPv6 from sluice a port's sources are unknown (SLAAC, DHCPv6): any is fine
 * but the addresses other ports own. */
TEST(spoof6_bare_port_may_not_use_another_ports_address)
{
	struct pkt neigh = udp6(MAC_C, A_NEIGH, 5000, 6000);
	struct pkt slaac = udp6(MAC_C, ip6("2001:db8::99"), 5000, 6000);

	check6_dropped(0, BARE, &neigh, SL_DROP_SPOOF_IP6);
	check6_passed(0, BARE, &slaac);
}

TEST(spoof6_dad_probe_from_unspecified_passes)
{
	struct pkt p = nd(135, A_ANY, ip6_solicited(A_OWN), A_OWN, NULL);
	__u8 mld[28] = { 143 };
	struct pkt r;

	check6_passed(0, GUARDED, &p);
	pkt_eth(&r, MAC_BCAST, MAC_A);
	pkt_ip6(&r, A_ANY, ip6("ff02::16"), 58, mld, sizeof(mld));
	check6_passed(0, GUARDED, &r);
}

TEST(spoof6_unspecified_source_outside_dad_dropped)
{
	struct pkt udp = udp6(MAC_A, A_ANY, 5000, 6000);
	struct pkt ns_unicast = nd(135, A_ANY, A_NEIGH, A_OWN, NULL);

	check6_dropped(0, GUARDED, &udp, SL_DROP_SPOOF_IP6);
	check6_dropped(0, GUARDED, &ns_unicast, SL_DROP_SPOOF_IP6);
}

/* A DAD probe for another's address would make that port give its address up. */
TEST(spoof6_dad_probe_for_another_address_dropped)
{
	struct pkt p = nd(135, A_ANY, ip6_solicited(A_NEIGH), A_NEIGH, NULL);

	check6_dropped(0, GUARDED, &p, SL_DROP_ND_SPOOF);
}

TEST(spoof6_na_for_another_ports_address_dropped)
{
	struct pkt p = nd(136, A_OWN, A_ALL, A_NEIGH, MAC_A);
	struct pkt ll = nd(136, A_OWN, A_ALL, ip6_eui64(MAC_B), MAC_A);

	check6_dropped(0, GUARDED, &p, SL_DROP_ND_SPOOF);
	check6_dropped(0, GUARDED, &ll, SL_DROP_ND_SPOOF);
}

TEST(spoof6_na_for_own_address_passes)
{
	struct pkt p = nd(136, A_OWN, A_ALL, A_OWN, MAC_A);

	check6_passed(0, GUARDED, &p);
}

TEST(spoof6_nd_with_foreign_lladdr_option_dropped)
{
	struct pkt na = nd(136, A_OWN, A_ALL, A_OWN, MAC_C);
	struct pkt ns = nd(135, A_OWN, ip6_solicited(A_NEIGH), A_NEIGH, MAC_C);

	check6_dropped(0, GUARDED, &na, SL_DROP_ND_SPOOF);
	check6_dropped(0, GUARDED, &ns, SL_DROP_ND_SPOOF);
}

TEST(spoof6_ns_for_a_neighbour_passes)
{
	struct pkt p = nd(135, A_OWN, ip6_solicited(A_NEIGH), A_NEIGH, MAC_A);

	check6_passed(0, GUARDED, &p);
}

/* A foreign TLLA behind more options than the guard reads is refused, not missed. */
TEST(spoof6_na_lladdr_hidden_behind_options_dropped)
{
	__u8 m[24 + 5 * 8] = { 136 };
	struct pkt p;

	memcpy(m + 8, A_OWN.a, 16);
	for (int i = 0; i < 4; i++) {
		m[24 + 8 * i] = 14;	/* nonce */
		m[25 + 8 * i] = 1;
	}
	m[24 + 32] = 2;
	m[25 + 32] = 1;
	memcpy(m + 26 + 32, MAC_C, 6);
	pkt_eth(&p, MAC_BCAST, MAC_A);
	pkt_ip6(&p, A_OWN, A_ALL, 58, m, sizeof(m));
	check6_dropped(0, GUARDED, &p, SL_DROP_ND_SPOOF);
}

TEST(ra_guard_drops_router_messages_of_untrusted_port)
{
	struct pkt ra = icmp6(134), redirect = icmp6(137);

	check6_dropped(0, GUARDED, &ra, SL_DROP_RA_GUARD);
	check6_dropped(0, GUARDED, &redirect, SL_DROP_RA_GUARD);
}

TEST(ra_guard_passes_trusted_port_and_port_without_spoofchk)
{
	struct pkt ra = icmp6(134), open;

	check6_passed(SL_PORT6_F_TRUSTED, GUARDED, &ra);
	open = ra;
	memcpy(open.data + 6, MAC_C, 6);
	check6_passed(0, OPEN, &open);
}

TEST(ra_guard_sees_ra_behind_extension_headers)
{
	__u8 m[8 + 8 + 16] = { 60, 0, 1, 4 };	/* hop-by-hop (PadN), destination options */
	struct pkt p;

	m[8] = 58;		/* destination options -> ICMPv6 */
	m[10] = 1;
	m[11] = 4;
	m[16] = 134;
	pkt_eth(&p, MAC_BCAST, MAC_A);
	pkt_ip6(&p, ip6_eui64(MAC_A), A_ALL, 0, m, sizeof(m));
	check6_dropped(0, GUARDED, &p, SL_DROP_RA_GUARD);
}

TEST(ra_guard_drops_chain_longer_than_the_walk)
{
	__u8 m[7 * 8 + 16] = { 0 };
	struct pkt p;

	for (int i = 0; i < 7; i++) {
		m[8 * i] = i < 6 ? 60 : 58;
		m[8 * i + 2] = 1;
		m[8 * i + 3] = 4;
	}
	m[56] = 134;
	pkt_eth(&p, MAC_BCAST, MAC_A);
	pkt_ip6(&p, ip6_eui64(MAC_A), A_ALL, 60, m, sizeof(m));
	check6_dropped(0, GUARDED, &p, SL_DROP_IP6_EXT_CHAIN);
}

TEST(dhcp6_guard_drops_server_messages_of_untrusted_port)
{
	struct pkt server = udp6(MAC_A, ip6_eui64(MAC_A), 547, 546);
	struct pkt client = udp6(MAC_A, ip6_eui64(MAC_A), 546, 547);

	check6_dropped(0, GUARDED, &server, SL_DROP_DHCP6_SERVER);
	check6_passed(0, GUARDED, &client);
	check6_passed(SL_PORT6_F_TRUSTED, GUARDED, &server);
}

/* A later fragment has no upper-layer header: its first fragment was the one checked. */
TEST(spoof6_later_fragment_from_own_source_passes)
{
	__u8 m[8 + 16] = { 58, 0, 0x00, 0x08 };	/* fragment header, offset 1 (x8 bytes) */
	struct pkt p;

	m[8] = 134;
	pkt_eth(&p, MAC_BCAST, MAC_A);
	pkt_ip6(&p, A_OWN, A_ALL, 44, m, sizeof(m));
	check6_passed(0, GUARDED, &p);
}
