// SPDX-License-Identifier: MIT
/* A connection whose REPLY half the LRU evicted, answered before the container speaks
 * again: the answer is translated and the half re-created, for that remote end only. */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <netinet/in.h>
#include "nat_fixture.h"

#define PASS	TC_ACT_UNSPEC
#define SYN	0x02
#define ACK	0x10

static struct pkt udp_pkt(__u32 s, __u16 sp, __u32 d, __u16 dp)
{
	struct pkt p;

	pkt_eth(&p, MAC_B, MAC_A);
	pkt_udp4(&p, s, d, sp, dp, 21);
	return p;
}

static struct pkt tcp_pkt(__u32 s, __u16 sp, __u32 d, __u16 dp, __u8 flags)
{
	struct pkt p;

	pkt_eth(&p, MAC_B, MAC_A);
	pkt_tcp4(&p, s, d, sp, dp, flags & SYN ? 0 : 100);
	pkt_tcp_flags(&p, flags, 5);
	return p;
}

/* P passed the ingress hook untouched: the host's to deal with. */
static void check_untouched(struct nat *n, const struct pkt *p, const char *file, int line)
{
	struct run r = nat_in(n, p);

	if (r.ret != PASS)
		runner_fail(file, line, "verdict %d, expected pass", r.ret);
	runner_check_mem(file, line, "frame", r.out, r.len, p->data, p->len);
}
#define ASSERT_UNTOUCHED(n, p) check_untouched(n, &(p), __FILE__, __LINE__)

TEST(nat_lru_reply_half_evicted_answer_first_is_repaired)
{
	struct nat *n = nat_open();
	struct pkt out = udp_pkt(NAT_IN1, 5000, NAT_REM, 53);
	struct pkt back = udp_pkt(NAT_REM, 53, NAT_EXT, 5000), want = udp_pkt(NAT_REM, 53, NAT_IN1, 5000);
	struct sl_nat_ct ct;
	struct run r;

	ASSERT_EQ(nat_out(n, &out).ret, PASS);
	nat_ct_del(n, IPPROTO_UDP, SL_NAT_DIR_REPLY, NAT_REM, 53, NAT_EXT, 5000);
	r = nat_in(n, &back);
	ASSERT_EQ(r.ret, PASS);
	ASSERT_CSUM_OK(r.out, r.len);
	ASSERT_MEM_EQ(r.out, r.len, want.data, want.len);
	ASSERT_TRUE(nat_ct_reply(n, IPPROTO_UDP, NAT_REM, 53, NAT_EXT, 5000, &ct));
	ASSERT_EQ(ct.addr, NAT_IN1);
	ASSERT_EQ(ct.port, htons(5000));
	ASSERT_TRUE(nat_ct_orig(n, IPPROTO_UDP, NAT_IN1, 5000, NAT_REM, 53, &ct));
	ASSERT_EQ(ct.state, SL_NAT_ST_UDP);	/* replied within 2 s: no stream yet */
	ASSERT_TRUE(ct.flags & SL_NAT_CT_F_REPLIED);
	ASSERT_EQ(nat_stats(n).repaired, 1);
	ASSERT_EQ(nat_stats(n).unsolicited, 0);
	ASSERT_EQ(nat_stats(n).dnat_packets, 1);
	ASSERT_NAT_NO_DROPS(n);
}

TEST(nat_lru_reply_half_evicted_tcp_mid_stream_is_repaired)
{
	struct nat *n = nat_open();
	struct pkt syn = tcp_pkt(NAT_IN1, 40000, NAT_REM, 80, SYN);
	struct pkt synack = tcp_pkt(NAT_REM, 80, NAT_EXT, 40000, SYN | ACK);
	struct pkt ack = tcp_pkt(NAT_IN1, 40000, NAT_REM, 80, ACK);
	struct pkt data = tcp_pkt(NAT_REM, 80, NAT_EXT, 40000, ACK);
	struct pkt want = tcp_pkt(NAT_REM, 80, NAT_IN1, 40000, ACK);
	struct sl_nat_ct ct;
	struct run r;

	nat_out(n, &syn);
	nat_in(n, &synack);
	nat_out(n, &ack);
	nat_ct_del(n, IPPROTO_TCP, SL_NAT_DIR_REPLY, NAT_REM, 80, NAT_EXT, 40000);
	r = nat_in(n, &data);
	ASSERT_EQ(r.ret, PASS);
	ASSERT_CSUM_OK(r.out, r.len);
	ASSERT_MEM_EQ(r.out, r.len, want.data, want.len);
	ASSERT_TRUE(nat_ct_orig(n, IPPROTO_TCP, NAT_IN1, 40000, NAT_REM, 80, &ct));
	ASSERT_EQ(ct.state, SL_NAT_ST_ESTABLISHED);
	ASSERT_EQ(nat_stats(n).repaired, 1);
	ASSERT_NAT_NO_DROPS(n);
}

/* Address-and-port-dependent filtering holds while repairing: only the remote end the
 * container talked to gets in, and only to a connection still alive. */
TEST(nat_lru_reply_repair_only_for_the_connections_remote_end)
{
	struct nat *n = nat_open();
	struct pkt out = udp_pkt(NAT_IN1, 5000, NAT_REM, 53);
	struct pkt other_host = udp_pkt(NAT_REM2, 53, NAT_EXT, 5000);
	struct pkt other_port = udp_pkt(NAT_REM, 54, NAT_EXT, 5000);
	struct pkt other_ext_port = udp_pkt(NAT_REM, 53, NAT_EXT, 5001);
	struct sl_nat_ct ct;

	nat_out(n, &out);
	nat_ct_del(n, IPPROTO_UDP, SL_NAT_DIR_REPLY, NAT_REM, 53, NAT_EXT, 5000);
	ASSERT_UNTOUCHED(n, other_host);
	ASSERT_UNTOUCHED(n, other_port);
	ASSERT_UNTOUCHED(n, other_ext_port);	/* not a mapped port: the host's own */
	ASSERT_FALSE(nat_ct_reply(n, IPPROTO_UDP, NAT_REM2, 53, NAT_EXT, 5000, &ct));
	ASSERT_FALSE(nat_ct_reply(n, IPPROTO_UDP, NAT_REM, 54, NAT_EXT, 5000, &ct));
	ASSERT_FALSE(nat_ct_reply(n, IPPROTO_UDP, NAT_REM, 53, NAT_EXT, 5000, &ct));
	ASSERT_EQ(nat_stats(n).unsolicited, 2);
	ASSERT_EQ(nat_stats(n).repaired, 0);
	ASSERT_EQ(nat_stats(n).dnat_packets, 0);
}

TEST(nat_lru_reply_repair_not_for_an_expired_connection)
{
	struct nat *n = nat_open();
	struct pkt out = udp_pkt(NAT_IN1, 5000, NAT_REM, 53), back = udp_pkt(NAT_REM, 53, NAT_EXT, 5000);
	struct sl_nat_ct ct;

	nat_out(n, &out);
	nat_ct_del(n, IPPROTO_UDP, SL_NAT_DIR_REPLY, NAT_REM, 53, NAT_EXT, 5000);
	ASSERT_TRUE(nat_ct_orig(n, IPPROTO_UDP, NAT_IN1, 5000, NAT_REM, 53, &ct));
	ct.expires = now_ns() - 1;
	nat_ct_put_orig(n, IPPROTO_UDP, NAT_IN1, 5000, NAT_REM, 53, &ct);
	ASSERT_UNTOUCHED(n, back);
	ASSERT_FALSE(nat_ct_reply(n, IPPROTO_UDP, NAT_REM, 53, NAT_EXT, 5000, &ct));
	ASSERT_EQ(nat_stats(n).unsolicited, 1);
	ASSERT_EQ(nat_stats(n).repaired, 0);
}
