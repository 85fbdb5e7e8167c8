// SPDX-License-Identifier: MIT
/* Published ports through the uplink hooks: a connection from outside to a published port
 * is translated to the container and back, ICMP errors too; other sources and ports are not. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "nat_tc.skel.h"
#include "sluice_nat_pub.h"
#include "nat_fixture.h"

#define PASS	TC_ACT_UNSPEC
#define SYN	0x02
#define ACK	0x10

/* Publish PORT/PROTO of the uplink to TO:TO_PORT for sources FROM/MASK, as the CLI does. */
static void publish(struct nat *n, __u8 proto, __u16 port, __u32 to, __u16 to_port, __u32 from,
		    __u32 mask)
{
	struct sl_nat_pub_key k = { .ifindex = n->uplink, .port = htons(port), .proto = proto };
	struct sl_nat_pub v = { .to_addr = to, .to_port = htons(to_port), .from_addr = from,
				.from_mask = mask, .ext_lo = port, .ext_hi = port,
				.to_lo = to_port, .to_hi = to_port, .rule = 0 };

	if (bpf_map_update_elem(bpf_map__fd(n->skel->maps.sl_nat_pub), &k, &v, BPF_ANY))
		runner_fail(__FILE__, __LINE__, "sl_nat_pub: %s", strerror(errno));
}

static void check_frame(const struct run *r, const struct pkt *want, const char *file, int line)
{
	const char *e = pkt_csum_error(r->out, r->len);

	if (e)
		runner_fail(file, line, "translated frame: %s", e);
	runner_check_mem(file, line, "translated frame", r->out, r->len, want->data, want->len);
}
#define ASSERT_FRAME(r, want) check_frame(&(r), &(want), __FILE__, __LINE__)

/* A TCP handshake from outside to EXT:8080 reaches IN1:80; the answers leave as EXT:8080. */
TEST(nat_pub_tcp_connection_to_container_and_back)
{
	struct nat *n = nat_open();
	struct pkt syn = nat_pkt_tcp(NAT_REM, 40000, NAT_EXT, 8080, SYN);
	struct pkt syn_want = nat_pkt_tcp(NAT_REM, 40000, NAT_IN1, 80, SYN);
	struct pkt synack = nat_pkt_tcp(NAT_IN1, 80, NAT_REM, 40000, SYN | ACK);
	struct pkt synack_want = nat_pkt_tcp(NAT_EXT, 8080, NAT_REM, 40000, SYN | ACK);
	struct pkt ack = nat_pkt_tcp(NAT_REM, 40000, NAT_EXT, 8080, ACK);
	struct sl_nat_ct ct;
	struct run r;

	publish(n, IPPROTO_TCP, 8080, NAT_IN1, 80, 0, 0);
	r = nat_in(n, &syn);
	ASSERT_EQ(r.ret, PASS);
	ASSERT_FRAME(r, syn_want);
	ASSERT_TRUE(nat_ct_orig(n, IPPROTO_TCP, NAT_IN1, 80, NAT_REM, 40000, &ct));
	ASSERT_TRUE(ct.flags & SL_NAT_CT_F_OPENED_IN);
	ASSERT_EQ(ct.addr, NAT_EXT);
	ASSERT_EQ(ct.port, htons(8080));
	ASSERT_EQ(ct.state, SL_NAT_ST_SYN_SENT);
	r = nat_out(n, &synack);
	ASSERT_EQ(r.ret, PASS);
	ASSERT_FRAME(r, synack_want);
	ASSERT_TRUE(nat_ct_orig(n, IPPROTO_TCP, NAT_IN1, 80, NAT_REM, 40000, &ct));
	ASSERT_EQ(ct.state, SL_NAT_ST_SYN_RECV);
	ASSERT_EQ(nat_in(n, &ack).ret, PASS);
	ASSERT_TRUE(nat_ct_orig(n, IPPROTO_TCP, NAT_IN1, 80, NAT_REM, 40000, &ct));
	ASSERT_EQ(ct.state, SL_NAT_ST_ESTABLISHED);
	ASSERT_EQ(nat_stats(n).flows, 1);
	ASSERT_EQ(nat_stats(n).dnat_packets, 2);
	ASSERT_EQ(nat_stats(n).snat_packets, 1);
	ASSERT_NAT_NO_DROPS(n);
}

/* UDP, and the container's port unreachable about it goes out as the uplink's, the quoted
 * datagram translated back to what the remote sent. */
TEST(nat_pub_udp_and_icmp_error_translated)
{
	struct nat *n = nat_open();
	struct pkt q = nat_pkt_udp(NAT_REM, 5000, NAT_EXT, 5353), q_want = nat_pkt_udp(NAT_REM, 5000, NAT_IN1, 53);
	struct pkt err, err_want, quoted;
	struct run r;

	publish(n, IPPROTO_UDP, 5353, NAT_IN1, 53, 0, 0);
	r = nat_in(n, &q);
	ASSERT_FRAME(r, q_want);
	pkt_eth(&err, MAC_B, MAC_A);
	pkt_icmp_error(&err, NAT_IN1, NAT_REM, 3, 3, 0, &q_want, 28);
	pkt_eth(&err_want, MAC_B, MAC_A);
	quoted = q;
	pkt_icmp_error(&err_want, NAT_EXT, NAT_REM, 3, 3, 0, &quoted, 28);
	r = nat_out(n, &err);
	ASSERT_EQ(r.ret, PASS);
	ASSERT_FRAME(r, err_want);
	ASSERT_EQ(nat_stats(n).icmp_errors, 1);
}

/* Only the sources of `from`; other ports and protocols stay the host's. */
TEST(nat_pub_other_sources_ports_untouched)
{
	struct nat *n = nat_open();
	struct pkt other_src = nat_pkt_tcp(NAT_REM2, 40000, NAT_EXT, 8080, SYN);
	struct pkt allowed = nat_pkt_tcp(NAT_REM, 40000, NAT_EXT, 8080, SYN);
	struct pkt other_port = nat_pkt_tcp(NAT_REM, 40000, NAT_EXT, 8081, SYN);
	struct pkt other_proto = nat_pkt_udp(NAT_REM, 40000, NAT_EXT, 8080);
	const struct pkt *host[] = { &other_src, &other_port, &other_proto };
	struct sl_nat_ct ct;

	publish(n, IPPROTO_TCP, 8080, NAT_IN1, 80, NAT_REM, 0xffffffff);
	for (size_t i = 0; i < 3; i++) {
		struct run r = nat_in(n, host[i]);

		ASSERT_EQ(r.ret, PASS);
		ASSERT_MEM_EQ(r.out, r.len, host[i]->data, host[i]->len);
	}
	ASSERT_EQ(nat_stats(n).flows, 0);
	ASSERT_EQ(frame_daddr(nat_in(n, &allowed).out), NAT_IN1);
	ASSERT_TRUE(nat_ct_orig(n, IPPROTO_TCP, NAT_IN1, 80, NAT_REM, 40000, &ct));
}

/* A packet that cannot open a connection (a stray FIN) makes none. */
TEST(nat_pub_stray_fin_opens_nothing)
{
	struct nat *n = nat_open();
	struct pkt fin = nat_pkt_tcp(NAT_REM, 40000, NAT_EXT, 8080, 0x01 | ACK);
	struct run r;

	publish(n, IPPROTO_TCP, 8080, NAT_IN1, 80, 0, 0);
	r = nat_in(n, &fin);
	ASSERT_EQ(r.ret, PASS);
	ASSERT_MEM_EQ(r.out, r.len, fin.data, fin.len);
	ASSERT_EQ(nat_stats(n).flows, 0);
}
