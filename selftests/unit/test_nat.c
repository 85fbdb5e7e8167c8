// SPDX-License-Identifier: GPL-2.0-only
/* Masquerade through the uplink hooks: TCP/UDP/ICMP rewrites against packets built from
 * scratch, endpoint-independent mapping and port allocation, connection states and
 * deadlines, ICMP errors, fragments, LRU repair, and hostile input dropped by name. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <netinet/in.h>
#include <bpf/bpf.h>
#include "nat_fixture.h"

#define PASS	TC_ACT_UNSPEC	/* the hooks' "not mine / translated, go on" */
#define SYN	0x02
#define FIN	0x01
#define RST	0x04
#define ACK	0x10
#define SEC_NS	1000000000ULL

static struct pkt udp(__u32 s, __u16 sp, __u32 d, __u16 dp)
{
	struct pkt p;

	pkt_eth(&p, MAC_B, MAC_A);
	pkt_udp4(&p, s, d, sp, dp, 21);
	return p;
}

static struct pkt tcp(__u32 s, __u16 sp, __u32 d, __u16 dp, __u8 flags)
{
	struct pkt p;

	pkt_eth(&p, MAC_B, MAC_A);
	pkt_tcp4(&p, s, d, sp, dp, flags & SYN ? 0 : 10);
	pkt_tcp_flags(&p, flags, 5);
	return p;
}

static struct pkt echo(__u32 s, __u32 d, __u16 id, __u8 type)
{
	struct pkt p;

	pkt_eth(&p, MAC_B, MAC_A);
	pkt_icmp4_echo(&p, s, d, id, 1, 32);
	p.data[p.l3 + 20] = type;
	pkt_refresh_csums(&p);
	return p;
}

/* OUT must be EXPECTED byte for byte: every checksum recomputed by the builders. */
static void check_frame(const struct run *r, const struct pkt *expected, const char *file, int line)
{
	const char *e = pkt_csum_error(r->out, r->len);

	if (e)
		runner_fail(file, line, "translated frame: %s", e);
	runner_check_mem(file, line, "translated frame", r->out, r->len, expected->data,
			 expected->len);
}
#define ASSERT_FRAME(r, expected) check_frame(&(r), &(expected), __FILE__, __LINE__)

TEST(nat_snat_udp_keeps_free_source_port)
{
	struct nat *n = nat_open();
	struct pkt p = udp(NAT_IN1, 5000, NAT_REM, 53), want = udp(NAT_EXT, 5000, NAT_REM, 53);
	struct run r = nat_out(n, &p);

	ASSERT_EQ(r.ret, PASS);
	ASSERT_FRAME(r, want);
	ASSERT_EQ(nat_stats(n).snat_packets, 1);
	ASSERT_EQ(nat_stats(n).flows, 1);
	ASSERT_EQ(nat_stats(n).allocations, 1);
	ASSERT_NAT_NO_DROPS(n);
}

TEST(nat_dnat_udp_reply_returns_to_container)
{
	struct nat *n = nat_open();
	struct pkt p = udp(NAT_IN1, 5000, NAT_REM, 53);
	struct pkt reply = udp(NAT_REM, 53, NAT_EXT, 5000), want = udp(NAT_REM, 53, NAT_IN1, 5000);
	struct sl_nat_ct ct;
	struct run r;

	nat_out(n, &p);
	r = nat_in(n, &reply);
	ASSERT_EQ(r.ret, PASS);
	ASSERT_FRAME(r, want);
	ASSERT_TRUE(nat_ct_orig(n, IPPROTO_UDP, NAT_IN1, 5000, NAT_REM, 53, &ct));
	ASSERT_EQ(ct.state, SL_NAT_ST_UDP_STREAM);
	ASSERT_EQ(nat_stats(n).dnat_packets, 1);
}

TEST(nat_udp_zero_checksum_stays_zero)
{
	struct nat *n = nat_open();
	struct pkt p = udp(NAT_IN1, 5000, NAT_REM, 53);
	struct run r;

	p.data[p.l3 + 26] = p.data[p.l3 + 27] = 0;
	r = nat_out(n, &p);
	ASSERT_EQ(r.ret, PASS);
	ASSERT_EQ(frame_saddr(r.out), NAT_EXT);
	ASSERT_EQ(r.out[p.l3 + 26] | r.out[p.l3 + 27], 0);
	ASSERT_CSUM_OK(r.out, r.len);
}

TEST(nat_tcp_both_ways_with_checksums)
{
	struct nat *n = nat_open();
	struct pkt syn = tcp(NAT_IN1, 40000, NAT_REM, 80, SYN);
	struct pkt syn_want = tcp(NAT_EXT, 40000, NAT_REM, 80, SYN);
	struct pkt synack = tcp(NAT_REM, 80, NAT_EXT, 40000, SYN | ACK);
	struct pkt synack_want = tcp(NAT_REM, 80, NAT_IN1, 40000, SYN | ACK);
	struct run r = nat_out(n, &syn);

	ASSERT_EQ(r.ret, PASS);
	ASSERT_FRAME(r, syn_want);
	r = nat_in(n, &synack);
	ASSERT_EQ(r.ret, PASS);
	ASSERT_FRAME(r, synack_want);
	ASSERT_NAT_NO_DROPS(n);
}

TEST(nat_icmp_echo_identifier_translated_per_container)
{
	struct nat *n = nat_open();
	struct pkt a = echo(NAT_IN1, NAT_REM, 77, 8), b = echo(NAT_IN2, NAT_REM, 77, 8);
	struct pkt want_a = echo(NAT_EXT, NAT_REM, 77, 8);
	struct run ra = nat_out(n, &a), rb = nat_out(n, &b);
	__u16 id_b = frame_sport(rb.out);
	struct pkt reply_b = echo(NAT_REM, NAT_EXT, id_b, 0), want_b = echo(NAT_REM, NAT_IN2, 77, 0);
	struct pkt reply_a = echo(NAT_REM, NAT_EXT, 77, 0), want_a2 = echo(NAT_REM, NAT_IN1, 77, 0);
	struct run r;

	ASSERT_FRAME(ra, want_a);
	ASSERT_EQ(rb.ret, PASS);
	ASSERT_EQ(frame_saddr(rb.out), NAT_EXT);
	ASSERT_TRUE(id_b != 77);
	ASSERT_IN_RANGE(id_b, SL_NAT_PORT_LO, SL_NAT_PORT_HI);
	ASSERT_CSUM_OK(rb.out, rb.len);
	r = nat_in(n, &reply_b);
	ASSERT_FRAME(r, want_b);
	r = nat_in(n, &reply_a);
	ASSERT_FRAME(r, want_a2);
	ASSERT_EQ(nat_stats(n).collisions, 1);
}
