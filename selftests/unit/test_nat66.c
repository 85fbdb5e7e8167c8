// SPDX-License-Identifier: MIT
/* NAT66 masquerade through the uplink hooks: TCP/UDP/ICMPv6 echo translated out and back
 * with pseudo-header checksums, endpoint-independent mapping, filtering of unsolicited
 * inbound packets, ICMPv6 errors with their quote, fragments, and refused input. */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <netinet/in.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "nat_tc.skel.h"
#include "nat6_fixture.h"

#define PASS	TC_ACT_UNSPEC
#define SYN	0x02
#define ACK	0x10

TEST(nat66_udp_out_and_back_with_checksums)
{
	struct nat *n = nat6_open();
	struct pkt p = pkt6_udp(NAT6_IN1, 5000, NAT6_REM, 53);
	struct pkt want = pkt6_udp(NAT6_EXT, 5000, NAT6_REM, 53);
	struct run r = nat_out(n, &p);

	ASSERT_EQ(r.ret, PASS);
	ASSERT_FRAME6(r, want);
	p = pkt6_udp(NAT6_REM, 53, NAT6_EXT, 5000);
	want = pkt6_udp(NAT6_REM, 53, NAT6_IN1, 5000);
	r = nat_in(n, &p);
	ASSERT_EQ(r.ret, PASS);
	ASSERT_FRAME6(r, want);
	ASSERT_EQ(nat_stats(n).snat6_packets, 1);
	ASSERT_EQ(nat_stats(n).dnat6_packets, 1);
	ASSERT_EQ(nat_stats(n).flows6, 1);
	ASSERT_NAT_NO_DROPS(n);
}

TEST(nat66_tcp_handshake_both_ways)
{
	struct nat *n = nat6_open();
	struct pkt p = pkt6_tcp(NAT6_IN1, 40000, NAT6_REM, 443, SYN);
	struct pkt want = pkt6_tcp(NAT6_EXT, 40000, NAT6_REM, 443, SYN);
	struct run r = nat_out(n, &p);

	ASSERT_EQ(r.ret, PASS);
	ASSERT_FRAME6(r, want);
	p = pkt6_tcp(NAT6_REM, 443, NAT6_EXT, 40000, SYN | ACK);
	want = pkt6_tcp(NAT6_REM, 443, NAT6_IN1, 40000, SYN | ACK);
	r = nat_in(n, &p);
	ASSERT_FRAME6(r, want);
	p = pkt6_tcp(NAT6_IN1, 40000, NAT6_REM, 443, ACK);
	want = pkt6_tcp(NAT6_EXT, 40000, NAT6_REM, 443, ACK);
	r = nat_out(n, &p);
	ASSERT_FRAME6(r, want);
	ASSERT_NAT_NO_DROPS(n);
}

/* Two containers with the same source port: the second gets another external port, the
 * same one for every destination (EIM), and replies find each container. */
TEST(nat66_same_port_two_containers_eim)
{
	struct nat *n = nat6_open();
	struct pkt a = pkt6_udp(NAT6_IN1, 6000, NAT6_REM, 53);
	struct pkt b = pkt6_udp(NAT6_IN2, 6000, NAT6_REM, 53);
	struct pkt b2 = pkt6_udp(NAT6_IN2, 6000, NAT6_REM2, 53);
	struct run ra = nat_out(n, &a), rb = nat_out(n, &b), rb2 = nat_out(n, &b2);
	__u16 pb = frame6_sport(rb.out);
	struct pkt back, want;
	struct run r;

	ASSERT_EQ(frame6_sport(ra.out), 6000);
	ASSERT_IN_RANGE(pb, SL_NAT_PORT_LO, SL_NAT_PORT_HI);
	ASSERT_EQ(frame6_sport(rb2.out), pb);
	want = pkt6_udp(NAT6_EXT, pb, NAT6_REM2, 53);
	ASSERT_FRAME6(rb2, want);
	back = pkt6_udp(NAT6_REM, 53, NAT6_EXT, pb);
	want = pkt6_udp(NAT6_REM, 53, NAT6_IN2, 6000);
	r = nat_in(n, &back);
	ASSERT_FRAME6(r, want);
}

TEST(nat66_echo_identifier_mapped_per_container)
{
	struct nat *n = nat6_open();
	struct pkt a = pkt6_echo(NAT6_IN1, NAT6_REM, 7, 128), b = pkt6_echo(NAT6_IN2, NAT6_REM, 7, 128);
	struct run ra = nat_out(n, &a), rb = nat_out(n, &b);
	__u16 idb = frame6_sport(rb.out);
	struct pkt want = pkt6_echo(NAT6_EXT, NAT6_REM, 7, 128), back;
	struct run r;

	ASSERT_FRAME6(ra, want);
	ASSERT_TRUE(idb != 7);
	want = pkt6_echo(NAT6_EXT, NAT6_REM, idb, 128);
	ASSERT_FRAME6(rb, want);
	back = pkt6_echo(NAT6_REM, NAT6_EXT, idb, 129);
	want = pkt6_echo(NAT6_REM, NAT6_IN2, 7, 129);
	r = nat_in(n, &back);
	ASSERT_FRAME6(r, want);
	back = pkt6_echo(NAT6_REM, NAT6_EXT, 7, 129);
	want = pkt6_echo(NAT6_REM, NAT6_IN1, 7, 129);
	r = nat_in(n, &back);
	ASSERT_FRAME6(r, want);
	/* an echo request to the external address is the host's */
	back = pkt6_echo(NAT6_REM, NAT6_EXT, 7, 128);
	r = nat_in(n, &back);
	ASSERT_EQ(r.ret, PASS);
	ASSERT_MEM_EQ(r.out, r.len, back.data, back.len);
}

/* Address-and-port-dependent filtering: the mapping exists, but only the addressed
 * endpoint's packets come back in; others reach the host untranslated, counted. */
TEST(nat66_unsolicited_inbound_not_translated)
{
	struct nat *n = nat6_open();
	struct pkt p = pkt6_udp(NAT6_IN1, 5000, NAT6_REM, 53);
	struct pkt other_host = pkt6_udp(NAT6_REM2, 53, NAT6_EXT, 5000);
	struct pkt other_port = pkt6_udp(NAT6_REM, 54, NAT6_EXT, 5000);
	struct run r;

	nat_out(n, &p);
	r = nat_in(n, &other_host);
	ASSERT_EQ(r.ret, PASS);
	ASSERT_MEM_EQ(r.out, r.len, other_host.data, other_host.len);
	r = nat_in(n, &other_port);
	ASSERT_MEM_EQ(r.out, r.len, other_port.data, other_port.len);
	ASSERT_EQ(nat_stats(n).unsolicited, 2);
	ASSERT_EQ(nat_stats(n).dnat6_packets, 0);
}

/* Packet Too Big, Time Exceeded and Unreachable from a router about a translated TCP
 * packet whose port was changed: outer destination, quoted source address and port back
 * to the container's, quoted TCP and outer ICMPv6 checksums right from scratch. */
TEST(nat66_icmp_errors_translated_with_quote)
{
	static const __u8 types[][2] = { { 2, 0 }, { 3, 0 }, { 1, 4 } };

	for (unsigned i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		struct nat *n = nat6_open();
		struct pkt hog = pkt6_tcp(NAT6_IN2, 40000, NAT6_REM2, 443, SYN);
		struct pkt syn = pkt6_tcp(NAT6_IN1, 40000, NAT6_REM, 443, SYN);
		struct run r, rs;
		struct pkt quoted, err, want, orig;
		__u16 ep;

		nat_out(n, &hog);	/* takes external port 40000 */
		rs = nat_out(n, &syn);
		ep = frame6_sport(rs.out);
		ASSERT_TRUE(ep != 40000);
		quoted = pkt6_tcp(NAT6_EXT, ep, NAT6_REM, 443, SYN);
		err = pkt6_error(NAT6_RTR, NAT6_EXT, types[i][0], types[i][1], 1280, &quoted);
		orig = pkt6_tcp(NAT6_IN1, 40000, NAT6_REM, 443, SYN);
		want = pkt6_error(NAT6_RTR, NAT6_IN1, types[i][0], types[i][1], 1280, &orig);
		r = nat_in(n, &err);
		ASSERT_EQ(r.ret, PASS);
		ASSERT_FRAME6(r, want);
		ASSERT_EQ(nat_stats(n).icmp_errors, 1);
		ASSERT_NAT_NO_DROPS(n);
	}
}

/* The container answers an inbound packet with Port Unreachable: quoted destination and
 * outer source become the external ones. Errors about nothing known are dropped. */
TEST(nat66_icmp_error_from_container_translated_out)
{
	struct nat *n = nat6_open();
	struct pkt p = pkt6_udp(NAT6_IN1, 5000, NAT6_REM, 53);
	struct pkt in = pkt6_udp(NAT6_REM, 53, NAT6_IN1, 5000);
	struct pkt ext = pkt6_udp(NAT6_REM, 53, NAT6_EXT, 5000);
	struct pkt err = pkt6_error(NAT6_IN1, NAT6_REM, 1, 4, 0, &in);
	struct pkt want = pkt6_error(NAT6_EXT, NAT6_REM, 1, 4, 0, &ext);
	struct pkt stray_in = pkt6_udp(NAT6_REM2, 53, NAT6_IN1, 5999);
	struct pkt stray = pkt6_error(NAT6_IN1, NAT6_REM2, 1, 4, 0, &stray_in);
	struct run r;

	nat_out(n, &p);
	r = nat_out(n, &err);
	ASSERT_EQ(r.ret, PASS);
	ASSERT_FRAME6(r, want);
	r = nat_out(n, &stray);
	ASSERT_EQ(r.ret, TC_ACT_SHOT);
	ASSERT_NAT_DROPS(n, SL_NAT_DROP_ICMP_UNTRACKED, 1);
}

/* A 2000-byte UDP datagram in three fragments: the first carries the ports and the
 * checksum of the whole datagram, the later ones follow its translation. */
TEST(nat66_fragments_follow_their_first_both_ways)
{
	struct nat *n = nat6_open();
	__u8 dg[2100], want_dg[2100];
	size_t len = udp6_datagram(dg, NAT6_IN1, NAT6_REM, 7000, 9000, 1992), fl = 704;

	udp6_datagram(want_dg, NAT6_EXT, NAT6_REM, 7000, 9000, 1992);
	for (size_t off = 0; off < len; off += fl) {
		size_t l = off + fl < len ? fl : len - off;
		struct pkt f = pkt6_frag(NAT6_IN1, NAT6_REM, 0x1234567, dg, len, off, l);
		struct pkt want = pkt6_frag(NAT6_EXT, NAT6_REM, 0x1234567, want_dg, len, off, l);
		struct run r = nat_out(n, &f);

		ASSERT_EQ(r.ret, PASS);
		runner_check_mem(__FILE__, __LINE__, "fragment", r.out, r.len, want.data, want.len);
	}
	udp6_datagram(dg, NAT6_REM, NAT6_EXT, 9000, 7000, 1992);
	udp6_datagram(want_dg, NAT6_REM, NAT6_IN1, 9000, 7000, 1992);
	for (size_t off = 0; off < len; off += fl) {
		size_t l = off + fl < len ? fl : len - off;
		struct pkt f = pkt6_frag(NAT6_REM, NAT6_EXT, 0x89abcd, dg, len, off, l);
		struct pkt want = pkt6_frag(NAT6_REM, NAT6_IN1, 0x89abcd, want_dg, len, off, l);
		struct run r = nat_in(n, &f);

		runner_check_mem(__FILE__, __LINE__, "reply fragment", r.out, r.len, want.data,
				 want.len);
	}
	ASSERT_EQ(nat_stats(n).fragments, 4);
	ASSERT_NAT_NO_DROPS(n);
}

TEST(nat66_later_fragment_without_first_dropped)
{
	struct nat *n = nat6_open();
	__u8 dg[2100];
	size_t len = udp6_datagram(dg, NAT6_IN1, NAT6_REM, 7000, 9000, 1992);
	struct pkt f = pkt6_frag(NAT6_IN1, NAT6_REM, 42, dg, len, 704, 704);
	struct run r = nat_out(n, &f);

	ASSERT_EQ(r.ret, TC_ACT_SHOT);
	ASSERT_NAT_DROPS(n, SL_NAT_DROP_FRAG, 1);
}

/* What NAT66 does not own passes untouched: other prefixes, and IPv4 keeps its rule. */
TEST(nat66_other_sources_and_ipv4_untouched)
{
	struct nat *n = nat6_open();
	struct pkt p = pkt6_udp(ip6("fd01::10"), 5000, NAT6_REM, 53);
	struct pkt v4 = nat_pkt_udp(NAT_IN1, 5000, NAT_REM, 53);
	struct run r = nat_out(n, &p);

	ASSERT_EQ(r.ret, PASS);
	ASSERT_MEM_EQ(r.out, r.len, p.data, p.len);
	r = nat_out(n, &v4);
	ASSERT_EQ(frame_saddr(r.out), NAT_EXT);
	p = pkt6_udp(NAT6_IN1, 5000, ip6("fd00::99"), 53);	/* inside the prefix */
	r = nat_out(n, &p);
	ASSERT_MEM_EQ(r.out, r.len, p.data, p.len);
	ASSERT_NAT_NO_DROPS(n);
}

/* From the masqueraded prefix, what cannot be translated never leaves untranslated. */
TEST(nat66_untranslatable_dropped_by_name)
{
	struct nat *n = nat6_open();
	__u8 gre[8] = { 0 };
	struct pkt p;
	struct run r;

	pkt_eth(&p, MAC_B, MAC_A);
	pkt_ip6(&p, NAT6_IN1, NAT6_REM, 47, gre, sizeof(gre));
	r = nat_out(n, &p);
	ASSERT_EQ(r.ret, TC_ACT_SHOT);
	ASSERT_NAT_DROPS(n, SL_NAT_DROP_PROTO, 1);
	p = pkt6_echo(NAT6_IN1, NAT6_REM, 7, 135);	/* an ND message out of the uplink */
	r = nat_out(n, &p);
	ASSERT_EQ(r.ret, TC_ACT_SHOT);
	p = pkt6_tcp(NAT6_IN1, 40000, NAT6_REM, 443, ACK | 0x01 | SYN);
	r = nat_out(n, &p);
	ASSERT_EQ(r.ret, TC_ACT_SHOT);
	ASSERT_EQ(nat_stats(n).drops[SL_NAT_DROP_ICMP_TYPE], 1);
	ASSERT_EQ(nat_stats(n).drops[SL_NAT_DROP_TCP_FLAGS], 1);
}
