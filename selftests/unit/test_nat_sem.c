// SPDX-License-Identifier: MIT
/* NAT semantics of issue #15 through the uplink hooks: UDP's 2-second stream rule (as
 * nf_conntrack), no direct access to private addresses from the uplink side. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <netinet/in.h>
#include <bpf/bpf.h>
#include "nat_fixture.h"

#define PASS	TC_ACT_UNSPEC
#define SEC_NS	1000000000ULL

static struct pkt udp(__u32 s, __u16 sp, __u32 d, __u16 dp)
{
	struct pkt p;

	pkt_eth(&p, MAC_B, MAC_A);
	pkt_udp4(&p, s, d, sp, dp, 21);
	return p;
}

/* Move the start of connection IN1:5000 -> REM:53 SECS seconds into the past. */
static void udp_age(struct nat *n, __u32 secs)
{
	struct sl_nat_ct ct;

	ASSERT_TRUE(nat_ct_orig(n, IPPROTO_UDP, NAT_IN1, 5000, NAT_REM, 53, &ct));
	ct.born -= secs * 1000;
	nat_ct_put_orig(n, IPPROTO_UDP, NAT_IN1, 5000, NAT_REM, 53, &ct);
}

static struct sl_nat_ct udp_ct(struct nat *n)
{
	struct sl_nat_ct ct;

	ASSERT_TRUE(nat_ct_orig(n, IPPROTO_UDP, NAT_IN1, 5000, NAT_REM, 53, &ct));
	return ct;
}

/* A DNS-like query and its answer (and a second query from the same port, AAAA after A)
 * within 2 s: never a stream, the short udp timeout throughout. */
TEST(nat_sem_udp_one_shot_keeps_udp_timeout)
{
	struct nat *n = nat_open();
	struct pkt q = udp(NAT_IN1, 5000, NAT_REM, 53), a = udp(NAT_REM, 53, NAT_EXT, 5000);
	struct sl_nat_ct ct;
	__u64 t;

	nat_timeout(n, SL_NAT_ST_UDP, 30);
	nat_timeout(n, SL_NAT_ST_UDP_STREAM, 120);
	t = now_ns();
	ASSERT_EQ(nat_out(n, &q).ret, PASS);
	ASSERT_EQ(nat_in(n, &a).ret, PASS);
	ASSERT_EQ(nat_out(n, &q).ret, PASS);
	ASSERT_EQ(nat_in(n, &a).ret, PASS);
	ct = udp_ct(n);
	ASSERT_EQ(ct.state, SL_NAT_ST_UDP);
	ASSERT_TRUE(ct.flags & SL_NAT_CT_F_REPLIED);
	ASSERT_IN_RANGE(ct.expires, t + 30 * SEC_NS, now_ns() + 30 * SEC_NS);
	ASSERT_NAT_NO_DROPS(n);
}

/* Still exchanging packets 3 s after the start: a stream, with the udp_stream timeout. */
TEST(nat_sem_udp_stream_after_two_seconds)
{
	struct nat *n = nat_open();
	struct pkt q = udp(NAT_IN1, 5000, NAT_REM, 53), a = udp(NAT_REM, 53, NAT_EXT, 5000);
	struct sl_nat_ct ct;
	__u64 t;

	nat_timeout(n, SL_NAT_ST_UDP_STREAM, 120);
	nat_out(n, &q);
	nat_in(n, &a);
	udp_age(n, 3);
	t = now_ns();
	ASSERT_EQ(nat_in(n, &a).ret, PASS);
	ct = udp_ct(n);
	ASSERT_EQ(ct.state, SL_NAT_ST_UDP_STREAM);
	ASSERT_IN_RANGE(ct.expires, t + 120 * SEC_NS, now_ns() + 120 * SEC_NS);
	/* and it stays one: the next packet keeps the stream timeout */
	ASSERT_EQ(nat_out(n, &q).ret, PASS);
	ASSERT_EQ(udp_ct(n).state, SL_NAT_ST_UDP_STREAM);
}

/* 3 s of requests without an answer: no stream (a reply must come first). */
TEST(nat_sem_udp_unreplied_is_never_a_stream)
{
	struct nat *n = nat_open();
	struct pkt q = udp(NAT_IN1, 5000, NAT_REM, 53);

	nat_out(n, &q);
	udp_age(n, 3);
	nat_out(n, &q);
	ASSERT_EQ(udp_ct(n).state, SL_NAT_ST_UDP);
	ASSERT_FALSE(udp_ct(n).flags & SL_NAT_CT_F_REPLIED);
}

/* The first reply itself, even late, does not make a stream: a packet after it does. */
TEST(nat_sem_udp_late_first_reply_then_stream)
{
	struct nat *n = nat_open();
	struct pkt q = udp(NAT_IN1, 5000, NAT_REM, 53), a = udp(NAT_REM, 53, NAT_EXT, 5000);

	nat_out(n, &q);
	udp_age(n, 3);
	nat_in(n, &a);
	ASSERT_EQ(udp_ct(n).state, SL_NAT_ST_UDP);
	nat_out(n, &q);
	ASSERT_EQ(udp_ct(n).state, SL_NAT_ST_UDP_STREAM);
}

/* A connection records when it began. */
TEST(nat_sem_udp_connection_records_its_start)
{
	struct nat *n = nat_open();
	struct pkt q = udp(NAT_IN1, 5000, NAT_REM, 53);
	__u32 before = now_ns() / 1000000, after;

	nat_out(n, &q);
	after = now_ns() / 1000000;
	ASSERT_IN_RANGE(udp_ct(n).born, before, after);
}
