// SPDX-License-Identifier: MIT
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
	ASSERT_EQ(ct.state, SL_NAT_ST_UDP);	/* a stream only after 2 s: test_nat_sem.c */
	ASSERT_TRUE(ct.flags & SL_NAT_CT_F_REPLIED);
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

TEST(nat_same_source_port_from_two_containers_gets_another_port)
{
	struct nat *n = nat_open();
	struct pkt a = udp(NAT_IN1, 5000, NAT_REM, 53), b = udp(NAT_IN2, 5000, NAT_REM, 53);
	struct run ra = nat_out(n, &a), rb = nat_out(n, &b);
	__u16 pb = frame_sport(rb.out);
	struct pkt back_b = udp(NAT_REM, 53, NAT_EXT, pb), want_b = udp(NAT_REM, 53, NAT_IN2, 5000);
	struct run r;

	ASSERT_EQ(frame_sport(ra.out), 5000);
	ASSERT_EQ(rb.ret, PASS);
	ASSERT_TRUE(pb != 5000);
	ASSERT_IN_RANGE(pb, SL_NAT_PORT_LO, SL_NAT_PORT_HI);
	ASSERT_CSUM_OK(rb.out, rb.len);
	r = nat_in(n, &back_b);
	ASSERT_FRAME(r, want_b);
	ASSERT_EQ(nat_stats(n).collisions, 1);
}

TEST(nat_mapping_is_endpoint_independent)
{
	struct nat *n = nat_open();
	struct pkt a = udp(NAT_IN2, 5000, NAT_REM, 53), b = udp(NAT_IN1, 5000, NAT_REM, 53);
	struct pkt c = udp(NAT_IN1, 5000, NAT_REM2, 123);
	__u16 p1, p2;

	nat_out(n, &a);		/* takes 5000: IN1's mapping must move elsewhere */
	p1 = frame_sport(nat_out(n, &b).out);
	p2 = frame_sport(nat_out(n, &c).out);
	ASSERT_TRUE(p1 != 5000);
	ASSERT_EQ(p2, p1);	/* another destination, the same external port */
	ASSERT_EQ(nat_stats(n).allocations, 2);
	ASSERT_EQ(nat_stats(n).flows, 3);
}

TEST(nat_filtering_leaves_unsolicited_inbound_untranslated)
{
	struct nat *n = nat_open();
	struct pkt out = udp(NAT_IN1, 5000, NAT_REM, 53);
	struct pkt other_port = udp(NAT_REM, 54, NAT_EXT, 5000);
	struct pkt other_host = udp(NAT_REM2, 53, NAT_EXT, 5000);
	struct pkt unmapped = udp(NAT_REM, 53, NAT_EXT, 6000);
	struct run r;

	nat_out(n, &out);
	r = nat_in(n, &other_port);
	ASSERT_EQ(r.ret, PASS);
	ASSERT_MEM_EQ(r.out, r.len, other_port.data, other_port.len);
	r = nat_in(n, &other_host);
	ASSERT_MEM_EQ(r.out, r.len, other_host.data, other_host.len);
	r = nat_in(n, &unmapped);
	ASSERT_MEM_EQ(r.out, r.len, unmapped.data, unmapped.len);
	ASSERT_EQ(nat_stats(n).unsolicited, 2);	/* the unmapped port is the host's business */
	ASSERT_EQ(nat_stats(n).dnat_packets, 0);
}

TEST(nat_port_range_is_kept_and_exhaustion_drops)
{
	struct nat *n = nat_open();
	struct pkt p;
	struct run r;

	nat_rule_ports(n, 40000, 40001, SL_NAT_F_PORTS);
	for (int i = 0; i < 2; i++) {
		p = udp(NAT_IN1, 5000 + i, NAT_REM, 53);
		r = nat_out(n, &p);
		ASSERT_EQ(r.ret, PASS);
		ASSERT_IN_RANGE(frame_sport(r.out), 40000, 40001);
	}
	p = udp(NAT_IN2, 5000, NAT_REM, 53);
	ASSERT_EQ(nat_out(n, &p).ret, TC_ACT_SHOT);
	ASSERT_NAT_DROPS(n, SL_NAT_DROP_PORTS, 1);
	ASSERT_EQ(nat_stats(n).alloc_failed, 1);
	ASSERT_EQ(nat_stats(n).allocations, 2);
	/* the live mappings still work */
	p = udp(NAT_IN1, 5000, NAT_REM2, 53);
	ASSERT_EQ(nat_out(n, &p).ret, PASS);
}

TEST(nat_random_does_not_keep_source_port)
{
	struct nat *n = nat_open();
	struct pkt p = udp(NAT_IN1, 40000, NAT_REM, 53);
	int moved = 0;

	nat_rule_ports(n, 40000, 40999, SL_NAT_F_PORTS | SL_NAT_F_RANDOM);
	for (int i = 0; i < 4; i++) {
		struct run r;

		p = udp(NAT_IN1, 40000 + i, NAT_REM, 53);
		r = nat_out(n, &p);
		ASSERT_IN_RANGE(frame_sport(r.out), 40000, 40999);
		moved += frame_sport(r.out) != 40000 + i;
	}
	ASSERT_TRUE(moved >= 3);	/* 1 in 1000 per flow to land on its own port */
}

static __u8 ct_state(struct nat *n, __u32 s, __u16 sp, __u32 d, __u16 dp, __u64 *expires)
{
	struct sl_nat_ct ct;

	if (!nat_ct_orig(n, IPPROTO_TCP, s, sp, d, dp, &ct))
		runner_fail(__FILE__, __LINE__, "no connection %u -> %u", sp, dp);
	*expires = ct.expires;
	return ct.state;
}

/* STATE after P went out (or in), with a deadline of that state's timeout. */
#define STEP(n, out, p, state, secs)						\
	do {									\
		__u64 _t = now_ns(), _e;					\
		struct run _r = (out) ? nat_out(n, &(p)) : nat_in(n, &(p));	\
		ASSERT_EQ(_r.ret, PASS);					\
		ASSERT_EQ(ct_state(n, NAT_IN1, 40000, NAT_REM, 80, &_e), state);\
		ASSERT_IN_RANGE(_e, _t + (secs) * SEC_NS, now_ns() + (secs) * SEC_NS); \
	} while (0)

TEST(nat_tcp_states_and_timeouts_follow_conntrack)
{
	struct nat *n = nat_open();
	struct pkt syn = tcp(NAT_IN1, 40000, NAT_REM, 80, SYN);
	struct pkt synack = tcp(NAT_REM, 80, NAT_EXT, 40000, SYN | ACK);
	struct pkt ack_out = tcp(NAT_IN1, 40000, NAT_REM, 80, ACK);
	struct pkt ack_in = tcp(NAT_REM, 80, NAT_EXT, 40000, ACK);
	struct pkt fin_out = tcp(NAT_IN1, 40000, NAT_REM, 80, FIN | ACK);
	struct pkt fin_in = tcp(NAT_REM, 80, NAT_EXT, 40000, FIN | ACK);
	struct pkt rst = tcp(NAT_IN1, 40000, NAT_REM, 80, RST);

	STEP(n, 1, syn, SL_NAT_ST_SYN_SENT, 120);
	STEP(n, 0, synack, SL_NAT_ST_SYN_RECV, 60);
	STEP(n, 1, ack_out, SL_NAT_ST_ESTABLISHED, 432000);
	STEP(n, 1, fin_out, SL_NAT_ST_FIN_WAIT, 120);
	STEP(n, 0, ack_in, SL_NAT_ST_CLOSE_WAIT, 60);
	STEP(n, 0, fin_in, SL_NAT_ST_LAST_ACK, 30);
	STEP(n, 1, ack_out, SL_NAT_ST_TIME_WAIT, 120);
	STEP(n, 1, syn, SL_NAT_ST_SYN_SENT, 120);	/* the port reused */
	STEP(n, 1, rst, SL_NAT_ST_CLOSE, 10);
	ASSERT_NAT_NO_DROPS(n);
}

TEST(nat_timeouts_come_from_the_config_map)
{
	struct nat *n = nat_open();
	struct pkt p = udp(NAT_IN1, 5000, NAT_REM, 53), back = udp(NAT_REM, 53, NAT_EXT, 5000);
	struct sl_nat_ct ct;
	__u64 t = now_ns();

	nat_timeout(n, SL_NAT_ST_UDP, 2);
	nat_timeout(n, SL_NAT_ST_UDP_STREAM, 7);
	nat_out(n, &p);
	ASSERT_TRUE(nat_ct_orig(n, IPPROTO_UDP, NAT_IN1, 5000, NAT_REM, 53, &ct));
	ASSERT_EQ(ct.state, SL_NAT_ST_UDP);
	ASSERT_IN_RANGE(ct.expires, t + 2 * SEC_NS, now_ns() + 2 * SEC_NS);
	nat_in(n, &back);
	ASSERT_TRUE(nat_ct_orig(n, IPPROTO_UDP, NAT_IN1, 5000, NAT_REM, 53, &ct));
	ct.born -= 3000;	/* the flow began 3 s ago: the next packet makes it a stream */
	nat_ct_put_orig(n, IPPROTO_UDP, NAT_IN1, 5000, NAT_REM, 53, &ct);
	t = now_ns();
	nat_out(n, &p);
	ASSERT_TRUE(nat_ct_orig(n, IPPROTO_UDP, NAT_IN1, 5000, NAT_REM, 53, &ct));
	ASSERT_EQ(ct.state, SL_NAT_ST_UDP_STREAM);
	ASSERT_IN_RANGE(ct.expires, t + 7 * SEC_NS, now_ns() + 7 * SEC_NS);
}

/* The fake clock: a deadline written into the past. */
TEST(nat_expired_connection_is_not_translated_back)
{
	struct nat *n = nat_open();
	struct pkt p = tcp(NAT_IN1, 40000, NAT_REM, 80, SYN);
	struct pkt back = tcp(NAT_REM, 80, NAT_EXT, 40000, SYN | ACK);
	struct pkt fin = tcp(NAT_IN1, 40000, NAT_REM, 80, FIN | ACK);
	struct sl_nat_ct ct;
	struct run r;

	nat_out(n, &p);
	ASSERT_TRUE(nat_ct_orig(n, IPPROTO_TCP, NAT_IN1, 40000, NAT_REM, 80, &ct));
	ct.expires = now_ns() - 1;
	nat_ct_put_orig(n, IPPROTO_TCP, NAT_IN1, 40000, NAT_REM, 80, &ct);
	r = nat_in(n, &back);
	ASSERT_MEM_EQ(r.out, r.len, back.data, back.len);	/* left to the host */
	ASSERT_EQ(nat_stats(n).unsolicited, 1);
	/* a FIN cannot start a connection: it does not leave untranslated either */
	ASSERT_EQ(nat_out(n, &fin).ret, TC_ACT_SHOT);
	ASSERT_NAT_DROPS(n, SL_NAT_DROP_NO_FLOW, 1);
	/* a new SYN opens it again */
	ASSERT_EQ(nat_out(n, &p).ret, PASS);
	ASSERT_EQ(nat_stats(n).flows, 2);
}

TEST(nat_lru_evicted_halves_are_repaired)
{
	struct nat *n = nat_open();
	struct pkt p = udp(NAT_IN1, 5000, NAT_REM, 53), back = udp(NAT_REM, 53, NAT_EXT, 5000);
	struct pkt want = udp(NAT_REM, 53, NAT_IN1, 5000);
	struct sl_nat_ct ct;
	struct run r;

	nat_out(n, &p);
	nat_ct_del(n, IPPROTO_UDP, SL_NAT_DIR_REPLY, NAT_REM, 53, NAT_EXT, 5000);
	nat_out(n, &p);
	ASSERT_TRUE(nat_ct_reply(n, IPPROTO_UDP, NAT_REM, 53, NAT_EXT, 5000, &ct));
	ASSERT_EQ(ct.addr, NAT_IN1);
	nat_ct_del(n, IPPROTO_UDP, SL_NAT_DIR_ORIG, NAT_IN1, 5000, NAT_REM, 53);
	r = nat_in(n, &back);
	ASSERT_FRAME(r, want);
	ASSERT_TRUE(nat_ct_orig(n, IPPROTO_UDP, NAT_IN1, 5000, NAT_REM, 53, &ct));
	ASSERT_EQ(ct.state, SL_NAT_ST_UDP_STREAM);
	ASSERT_EQ(nat_stats(n).repaired, 2);
}

TEST(nat_untouched_traffic)
{
	struct nat *n = nat_open();
	struct pkt other_src = udp(ipv4(10, 1, 0, 10), 5000, NAT_REM, 53);
	struct pkt own_subnet = udp(NAT_IN1, 5000, NAT_IN2, 53);
	struct pkt to_switch = udp(NAT_IN1, 5000, ipv4(10, 9, 3, 4), 53);
	struct pkt host_own = udp(NAT_EXT, 5000, NAT_REM, 53);
	const struct pkt *all[] = { &other_src, &own_subnet, &to_switch, &host_own };

	nat_local_add(n, ipv4(10, 9, 0, 0), 16);	/* a switch's gateway subnet */
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		struct run r = nat_out(n, all[i]);

		ASSERT_EQ(r.ret, PASS);
		ASSERT_MEM_EQ(r.out, r.len, all[i]->data, all[i]->len);
	}
	ASSERT_EQ(nat_stats(n).flows, 0);
	ASSERT_NAT_NO_DROPS(n);
}

/* The gateway-subnet trie matches its prefixes only: next door is translated. */
TEST(nat_gateway_subnets_are_matched_by_prefix)
{
	struct nat *n = nat_open();
	struct pkt vlan_gw = udp(NAT_IN1, 5000, ipv4(10, 9, 40, 1), 53);
	struct pkt next_door = udp(NAT_IN1, 5001, ipv4(10, 9, 41, 1), 53);
	struct pkt want = udp(NAT_EXT, 5001, ipv4(10, 9, 41, 1), 53);
	struct run r;

	nat_local_add(n, ipv4(10, 9, 40, 0), 24);	/* a VLAN gateway's subnet */
	nat_local_add(n, ipv4(10, 9, 42, 0), 24);
	r = nat_out(n, &vlan_gw);
	ASSERT_EQ(r.ret, PASS);
	ASSERT_MEM_EQ(r.out, r.len, vlan_gw.data, vlan_gw.len);
	r = nat_out(n, &next_door);
	ASSERT_EQ(r.ret, PASS);
	ASSERT_FRAME(r, want);
	ASSERT_EQ(nat_stats(n).flows, 1);
	ASSERT_NAT_NO_DROPS(n);
}

/* Packets from a masqueraded subnet that cannot be translated never leave. */
TEST(nat_hostile_packets_dropped_by_reason)
{
	static const struct { int why; } cases[] = {
		{ SL_NAT_DROP_TCP_OFFSET }, { SL_NAT_DROP_TCP_FLAGS }, { SL_NAT_DROP_TRUNCATED },
		{ SL_NAT_DROP_PROTO }, { SL_NAT_DROP_NO_FLOW }, { SL_NAT_DROP_ICMP_TYPE },
		{ SL_NAT_DROP_BAD_IP },
	};
	struct pkt p[7];

	p[0] = tcp(NAT_IN1, 40000, NAT_REM, 80, ACK);
	pkt_tcp_flags(&p[0], ACK, 4);
	p[1] = tcp(NAT_IN1, 40000, NAT_REM, 80, SYN | FIN);
	p[2] = udp(NAT_IN1, 5000, NAT_REM, 53);
	p[2].data[p[2].l3 + 3] = 24;	/* total length: 4 bytes of UDP header */
	pkt_refresh_csums(&p[2]);
	p[3] = udp(NAT_IN1, 5000, NAT_REM, 53);
	p[3].data[p[3].l3 + 9] = 47;	/* GRE */
	pkt_refresh_csums(&p[3]);
	p[4] = tcp(NAT_IN1, 40000, NAT_REM, 80, RST);
	p[5] = echo(NAT_IN1, NAT_REM, 7, 13);	/* timestamp request */
	p[6] = udp(NAT_IN1, 5000, NAT_REM, 53);
	p[6].data[p[6].l3] = 0x44;		/* IHL 4 */
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct nat *n = nat_open();

		ASSERT_EQ(nat_out(n, &p[i]).ret, TC_ACT_SHOT);
		ASSERT_NAT_DROPS(n, cases[i].why, 1);
		ASSERT_EQ(nat_stats(n).flows, 0);
	}
}

/* The router's time-exceeded quotes the translated packet; the container must get it
 * about its own packet: outer destination, quoted source and port, every checksum. */
TEST(nat_icmp_error_inbound_quote_translated_back)
{
	struct nat *n = nat_open();
	struct pkt a = udp(NAT_IN2, 5000, NAT_REM, 33434), b = udp(NAT_IN1, 5000, NAT_REM, 33434);
	struct run rb;
	struct pkt quoted, err, want_quote, want;
	__u16 pb;
	struct run r;

	nat_out(n, &a);
	rb = nat_out(n, &b);		/* IN1's port moves: the quote's port must move back */
	pb = frame_sport(rb.out);
	quoted.len = rb.len;
	quoted.l3 = ETH_HLEN;
	memcpy(quoted.data, rb.out, rb.len);
	pkt_eth(&err, MAC_B, MAC_A);
	pkt_icmp_error(&err, NAT_RTR, NAT_EXT, 11, 0, 0, &quoted, 28);
	want_quote = udp(NAT_IN1, 5000, NAT_REM, 33434);
	pkt_eth(&want, MAC_B, MAC_A);
	pkt_icmp_error(&want, NAT_RTR, NAT_IN1, 11, 0, 0, &want_quote, 28);
	ASSERT_TRUE(pb != 5000);
	r = nat_in(n, &err);
	ASSERT_EQ(r.ret, PASS);
	ASSERT_FRAME(r, want);
	ASSERT_EQ(pkt_csum16(r.out + ETH_HLEN + 28, 20), 0);	/* quoted IPv4 header */
	ASSERT_EQ(nat_stats(n).icmp_errors, 1);
}

/* Fragmentation needed about a TCP segment, the whole TCP header quoted. */
TEST(nat_icmp_frag_needed_for_tcp_translated_back)
{
	struct nat *n = nat_open();
	struct pkt a = tcp(NAT_IN2, 40000, NAT_REM, 80, SYN), b = tcp(NAT_IN1, 40000, NAT_REM, 80, SYN);
	struct pkt quoted, err, want_quote, want;
	struct run rb, r;

	nat_out(n, &a);
	rb = nat_out(n, &b);
	quoted.len = rb.len;
	quoted.l3 = ETH_HLEN;
	memcpy(quoted.data, rb.out, rb.len);
	pkt_eth(&err, MAC_B, MAC_A);
	pkt_icmp_error(&err, NAT_RTR, NAT_EXT, 3, 4, 1400, &quoted, 40);
	want_quote = tcp(NAT_IN1, 40000, NAT_REM, 80, SYN);
	pkt_eth(&want, MAC_B, MAC_A);
	pkt_icmp_error(&want, NAT_RTR, NAT_IN1, 3, 4, 1400, &want_quote, 40);
	r = nat_in(n, &err);
	ASSERT_FRAME(r, want);
}

/* An error about traffic that is not ours passes untouched (the host's own). */
TEST(nat_icmp_error_about_unknown_flow_passes_inbound)
{
	struct nat *n = nat_open();
	struct pkt q = udp(NAT_EXT, 7000, NAT_REM, 53), err;
	struct run r;

	pkt_eth(&err, MAC_B, MAC_A);
	pkt_icmp_error(&err, NAT_RTR, NAT_EXT, 3, 3, 0, &q, 28);
	r = nat_in(n, &err);
	ASSERT_EQ(r.ret, PASS);
	ASSERT_MEM_EQ(r.out, r.len, err.data, err.len);
	ASSERT_EQ(nat_stats(n).icmp_errors, 0);
}

/* A container's port-unreachable about a reply it got through the NAT leaves translated;
 * one about nothing we know, or with a cut quote, does not leave. */
TEST(nat_icmp_error_outbound_translated_or_dropped)
{
	struct nat *n = nat_open();
	struct pkt a = udp(NAT_IN2, 5000, NAT_REM, 53), b = udp(NAT_IN1, 5000, NAT_REM, 53);
	struct pkt reply, err, want_quote, want, stray;
	struct run rb, r;
	__u16 pb;

	nat_out(n, &a);
	rb = nat_out(n, &b);
	pb = frame_sport(rb.out);
	reply = udp(NAT_REM, 53, NAT_IN1, 5000);	/* as the container received it */
	pkt_eth(&err, MAC_B, MAC_A);
	pkt_icmp_error(&err, NAT_IN1, NAT_REM, 3, 3, 0, &reply, 28);
	want_quote = udp(NAT_REM, 53, NAT_EXT, pb);
	pkt_eth(&want, MAC_B, MAC_A);
	pkt_icmp_error(&want, NAT_EXT, NAT_REM, 3, 3, 0, &want_quote, 28);
	r = nat_out(n, &err);
	ASSERT_EQ(r.ret, PASS);
	ASSERT_FRAME(r, want);
	reply = udp(NAT_REM2, 53, NAT_IN1, 9);
	pkt_eth(&stray, MAC_B, MAC_A);
	pkt_icmp_error(&stray, NAT_IN1, NAT_REM2, 3, 3, 0, &reply, 28);
	ASSERT_EQ(nat_out(n, &stray).ret, TC_ACT_SHOT);
	ASSERT_NAT_DROPS(n, SL_NAT_DROP_ICMP_UNTRACKED, 1);
	reply = udp(NAT_REM, 53, NAT_IN1, 5000);
	pkt_eth(&stray, MAC_B, MAC_A);
	pkt_icmp_error(&stray, NAT_IN1, NAT_REM, 3, 3, 0, &reply, 12);	/* IPv4 header cut */
	ASSERT_EQ(nat_out(n, &stray).ret, TC_ACT_SHOT);
	ASSERT_EQ(nat_stats(n).drops[SL_NAT_DROP_ICMP_INNER], 1);
}

/* A 3000-byte datagram in three fragments: the first carries the ports and the UDP
 * checksum of the whole datagram; the others follow it by (src, dst, id, proto). */
TEST(nat_fragments_follow_their_first_both_ways)
{
	static __u8 dgram[3008], want_dgram[3008], back_dgram[3008];
	struct nat *n = nat_open();
	size_t len = udp_datagram(dgram, NAT_IN1, NAT_REM, 5000, 53, 3000);
	struct pkt f, want;
	struct run r;

	udp_datagram(want_dgram, NAT_EXT, NAT_REM, 5000, 53, 3000);
	for (size_t off = 0; off < len; off += 1480) {
		size_t fl = len - off < 1480 ? len - off : 1480;

		pkt_eth(&f, MAC_B, MAC_A);
		pkt_frag(&f, NAT_IN1, NAT_REM, IPPROTO_UDP, 0x77, dgram, len, off, fl);
		pkt_eth(&want, MAC_B, MAC_A);
		pkt_frag(&want, NAT_EXT, NAT_REM, IPPROTO_UDP, 0x77, want_dgram, len, off, fl);
		r = nat_out(n, &f);
		ASSERT_EQ(r.ret, PASS);
		runner_check_mem(__FILE__, __LINE__, "fragment", r.out, r.len, want.data, want.len);
		ASSERT_EQ(pkt_csum16(r.out + ETH_HLEN, 20), 0);
	}
	udp_datagram(back_dgram, NAT_REM, NAT_EXT, 53, 5000, 3000);
	udp_datagram(want_dgram, NAT_REM, NAT_IN1, 53, 5000, 3000);
	for (size_t off = 0; off < len; off += 1480) {
		size_t fl = len - off < 1480 ? len - off : 1480;

		pkt_eth(&f, MAC_B, MAC_A);
		pkt_frag(&f, NAT_REM, NAT_EXT, IPPROTO_UDP, 0x99, back_dgram, len, off, fl);
		pkt_eth(&want, MAC_B, MAC_A);
		pkt_frag(&want, NAT_REM, NAT_IN1, IPPROTO_UDP, 0x99, want_dgram, len, off, fl);
		r = nat_in(n, &f);
		runner_check_mem(__FILE__, __LINE__, "reply fragment", r.out, r.len, want.data,
				 want.len);
	}
	ASSERT_EQ(nat_stats(n).fragments, 4);
	ASSERT_NAT_NO_DROPS(n);
}

TEST(nat_fragment_without_first_does_not_leave)
{
	static __u8 dgram[3008];
	struct nat *n = nat_open();
	size_t len = udp_datagram(dgram, NAT_IN1, NAT_REM, 5000, 53, 3000);
	struct pkt f;

	pkt_eth(&f, MAC_B, MAC_A);
	pkt_frag(&f, NAT_IN1, NAT_REM, IPPROTO_UDP, 0x55, dgram, len, 1480, 1480);
	ASSERT_EQ(nat_out(n, &f).ret, TC_ACT_SHOT);
	ASSERT_NAT_DROPS(n, SL_NAT_DROP_FRAG, 1);
}
