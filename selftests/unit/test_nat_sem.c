// SPDX-License-Identifier: MIT
/* NAT semantics of issue #15 through the uplink hooks: UDP's 2-second stream rule (as
 * nf_conntrack), no direct access to private addresses from the uplink side. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <netinet/in.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "nat_fixture.h"

#define PASS	TC_ACT_UNSPEC
#define SEC_NS	1000000000ULL
#define SHOT	TC_ACT_SHOT
#define SYN	0x02
#define ACK	0x10

static struct pkt echo(__u32 s, __u32 d, __u16 id, __u8 type)
{
	struct pkt p;

	pkt_eth(&p, MAC_B, MAC_A);
	pkt_icmp4_echo(&p, s, d, id, 1, 32);
	p.data[p.l3 + 20] = type;
	pkt_refresh_csums(&p);
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
	struct pkt q = nat_pkt_udp(NAT_IN1, 5000, NAT_REM, 53), a = nat_pkt_udp(NAT_REM, 53, NAT_EXT, 5000);
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
	struct pkt q = nat_pkt_udp(NAT_IN1, 5000, NAT_REM, 53), a = nat_pkt_udp(NAT_REM, 53, NAT_EXT, 5000);
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
	struct pkt q = nat_pkt_udp(NAT_IN1, 5000, NAT_REM, 53);

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
	struct pkt q = nat_pkt_udp(NAT_IN1, 5000, NAT_REM, 53), a = nat_pkt_udp(NAT_REM, 53, NAT_EXT, 5000);

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
	struct pkt q = nat_pkt_udp(NAT_IN1, 5000, NAT_REM, 53);
	__u32 before = now_ns() / 1000000, after;

	nat_out(n, &q);
	after = now_ns() / 1000000;
	ASSERT_IN_RANGE(udp_ct(n).born, before, after);
}

/* Part 3: a neighbour on the uplink side routes the container subnet via the host. */

/* The runner's private netns as a container host: forwarding on, the masqueraded subnet
 * 10.0.0.0/24 behind a gateway device holding 10.0.0.1 (its own veth pair, no other test's). */
static void host_routes(void)
{
	if (system("ip link show utgw >/dev/null 2>&1 || { "
		   "ip link add utgw type veth peer name utgwp && ip link set utgw up && "
		   "ip link set utgwp up && ip addr add 10.0.0.1/24 dev utgw && "
		   "sysctl -qw net.ipv4.conf.all.forwarding=1; }"))
		runner_fail(__FILE__, __LINE__, "gateway device utgw could not be set up");
}

/* Frames the host would route: to the uplink's own MAC (PACKET_HOST). */
static void to_uplink_mac(struct nat *n, struct pkt *p)
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	host_routes();
	if (fd < 0 || !if_indextoname(n->uplink, ifr.ifr_name) || ioctl(fd, SIOCGIFHWADDR, &ifr))
		runner_fail(__FILE__, __LINE__, "MAC of the uplink: %s", strerror(errno));
	close(fd);
	memcpy(p->data, ifr.ifr_hwaddr.sa_data, 6);
}

static void allow_direct(struct nat *n)
{
	nat_rule_ports(n, SL_NAT_PORT_LO, SL_NAT_PORT_HI, SL_NAT_F_DIRECT);
}

/* ICMP, UDP and TCP SYN to a container's private address: dropped, counted, nothing made. */
TEST(nat_sem_direct_to_private_dropped_by_default)
{
	struct nat *n = nat_open();
	struct pkt ping = echo(NAT_REM, NAT_IN1, 99, 8), dgram = nat_pkt_udp(NAT_REM, 53, NAT_IN1, 5000);
	struct pkt syn = nat_pkt_tcp(NAT_REM, 40000, NAT_IN1, 80, SYN);
	struct sl_nat_ct ct;

	to_uplink_mac(n, &ping);
	to_uplink_mac(n, &dgram);
	to_uplink_mac(n, &syn);
	ASSERT_EQ(nat_in(n, &ping).ret, SHOT);
	ASSERT_EQ(nat_in(n, &dgram).ret, SHOT);
	ASSERT_EQ(nat_in(n, &syn).ret, SHOT);
	ASSERT_NAT_DROPS(n, SL_NAT_DROP_DIRECT, 3);
	ASSERT_FALSE(nat_ct_orig(n, IPPROTO_TCP, NAT_IN1, 80, NAT_REM, 40000, &ct));
	ASSERT_FALSE(nat_ct_orig(n, IPPROTO_UDP, NAT_IN1, 5000, NAT_REM, 53, &ct));
	ASSERT_EQ(nat_stats(n).flows, 0);
}

/* Other destinations (the host's, unmasqueraded subnets) are not the NAT's to judge. */
TEST(nat_sem_direct_other_destinations_untouched)
{
	struct nat *n = nat_open();
	struct pkt other = nat_pkt_udp(NAT_REM, 53, ipv4(10, 1, 0, 10), 5000);
	struct pkt host = nat_pkt_udp(NAT_REM, 53, NAT_EXT, 6000);
	struct pkt endpoint = nat_pkt_udp(NAT_REM, 53, NAT_IN1, 5000);	/* for another MAC */
	struct run r;

	to_uplink_mac(n, &other);
	to_uplink_mac(n, &host);
	r = nat_in(n, &other);

	ASSERT_EQ(r.ret, PASS);
	ASSERT_MEM_EQ(r.out, r.len, other.data, other.len);
	r = nat_in(n, &host);
	ASSERT_EQ(r.ret, PASS);
	ASSERT_MEM_EQ(r.out, r.len, host.data, host.len);
	/* a frame for a macvlan endpoint on the parent is not routed by the host */
	r = nat_in(n, &endpoint);
	ASSERT_EQ(r.ret, PASS);
	ASSERT_MEM_EQ(r.out, r.len, endpoint.data, endpoint.len);
	ASSERT_NAT_NO_DROPS(n);
}

/* The host's own address in the subnet (the switch's gateway) stays reachable: the host
 * takes that packet itself, it routes nothing to a container. */
TEST(nat_sem_direct_gateway_address_stays_reachable)
{
	struct nat *n = nat_open();
	struct pkt ping = echo(NAT_REM, ipv4(10, 0, 0, 1), 99, 8), other = echo(NAT_REM, NAT_IN1, 99, 8);
	struct run r;

	to_uplink_mac(n, &ping);
	to_uplink_mac(n, &other);
	r = nat_in(n, &ping);
	ASSERT_EQ(r.ret, PASS);
	ASSERT_MEM_EQ(r.out, r.len, ping.data, ping.len);
	ASSERT_NAT_NO_DROPS(n);
	ASSERT_EQ(nat_in(n, &other).ret, SHOT);
}

/* `direct allow`: a routed TCP connection both ways, untranslated, and the container's
 * answer makes no mapping and no masqueraded connection. */
TEST(nat_sem_direct_allow_tcp_routed_untranslated)
{
	struct nat *n = nat_open();
	struct pkt syn = nat_pkt_tcp(NAT_REM, 40000, NAT_IN1, 80, SYN);
	struct pkt synack = nat_pkt_tcp(NAT_IN1, 80, NAT_REM, 40000, SYN | ACK);
	struct pkt ack = nat_pkt_tcp(NAT_REM, 40000, NAT_IN1, 80, ACK);
	struct sl_nat_ct ct;
	struct run r;

	allow_direct(n);
	to_uplink_mac(n, &syn);
	to_uplink_mac(n, &ack);
	r = nat_in(n, &syn);
	ASSERT_EQ(r.ret, PASS);
	ASSERT_MEM_EQ(r.out, r.len, syn.data, syn.len);
	r = nat_out(n, &synack);
	ASSERT_EQ(r.ret, PASS);
	ASSERT_MEM_EQ(r.out, r.len, synack.data, synack.len);
	ASSERT_EQ(nat_in(n, &ack).ret, PASS);
	ASSERT_TRUE(nat_ct_orig(n, IPPROTO_TCP, NAT_IN1, 80, NAT_REM, 40000, &ct));
	ASSERT_TRUE(ct.flags & SL_NAT_CT_F_DIRECT);
	ASSERT_EQ(ct.state, SL_NAT_ST_ESTABLISHED);
	ASSERT_EQ(ct.addr, NAT_IN1);
	ASSERT_EQ(nat_stats(n).flows, 0);
	ASSERT_EQ(nat_stats(n).allocations, 0);
	ASSERT_EQ(nat_stats(n).snat_packets, 0);
	ASSERT_NAT_NO_DROPS(n);
}

/* `direct allow`: ping and UDP answered untranslated. */
TEST(nat_sem_direct_allow_icmp_udp_answers_untranslated)
{
	struct nat *n = nat_open();
	struct pkt ping = echo(NAT_REM, NAT_IN1, 99, 8), pong = echo(NAT_IN1, NAT_REM, 99, 0);
	struct pkt q = nat_pkt_udp(NAT_REM, 53, NAT_IN1, 5000), a = nat_pkt_udp(NAT_IN1, 5000, NAT_REM, 53);
	struct run r;

	allow_direct(n);
	to_uplink_mac(n, &ping);
	to_uplink_mac(n, &q);
	ASSERT_EQ(nat_in(n, &ping).ret, PASS);
	r = nat_out(n, &pong);
	ASSERT_EQ(r.ret, PASS);
	ASSERT_MEM_EQ(r.out, r.len, pong.data, pong.len);
	ASSERT_EQ(nat_in(n, &q).ret, PASS);
	r = nat_out(n, &a);
	ASSERT_EQ(r.ret, PASS);
	ASSERT_MEM_EQ(r.out, r.len, a.data, a.len);
	ASSERT_EQ(nat_stats(n).flows, 0);
	ASSERT_NAT_NO_DROPS(n);
}

/* `direct allow` does not stop masquerading what the container opens itself. */
TEST(nat_sem_direct_allow_still_masquerades_outbound)
{
	struct nat *n = nat_open();
	struct pkt q = nat_pkt_udp(NAT_IN1, 5000, NAT_REM, 53), want = nat_pkt_udp(NAT_EXT, 5000, NAT_REM, 53);
	struct run r;

	allow_direct(n);
	r = nat_out(n, &q);
	ASSERT_EQ(r.ret, PASS);
	ASSERT_MEM_EQ(r.out, r.len, want.data, want.len);
	ASSERT_EQ(nat_stats(n).flows, 1);
}
