// SPDX-License-Identifier: MIT
/* Hairpin to a published port: a container's frame to the uplink address : published port
 * is sent by its port's fast path straight to the target's port, from the gateway address;
 * the target's answer goes back to the client from the uplink address : port. With the
 * fast path off the gateway host leg's guard does the same. Others are left to the host. */
#include <stdlib.h>
#include <string.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "sluice_nat_fast.h"
#include "sluice_nat_pub.h"
#include "netlink.h"
#include "nat_fixture.h"
#include "nat_fast.skel.h"
#include "switch_tc.skel.h"
#include "nat_tc.skel.h"

/* The runner's netns as a host: ut0 the uplink (NAT_EXT), ut2p the host end of gateway
 * port ut2 (GW, NAT_IN1 known at MAC_A, NAT_IN2 at MAC_B); ut1 NAT_IN1's port, ut3
 * NAT_IN2's. */
#define GW		ipv4(10, 0, 0, 1)
#define SYN		0x02
#define ACK		0x10
#define OUT		SL_NAT_FAST_DIR_OUT

static const char *const slow_names[SL_NAT_SLOW_MAX] = SL_NAT_SLOW_NAMES;

struct hp {
	struct sw *sw;
	struct nat *n;
	struct nat_fast *skel;
	__u8 gw_mac[6];		/* ut2p */
};

static void sh(const char *cmd)
{
	if (system(cmd))
		runner_fail(__FILE__, __LINE__, "%s failed", cmd);
}

static void hp_close(void *arg)
{
	struct hp *h = arg;

	nat_fast__destroy(h->skel);
	free(h);
}

/* Switch, NAT and fast path on one set of maps (as test_nat_fast.c), a gateway with its
 * address in sl_nat_gw, two containers. */
static struct hp *hp_open(void)
{
	struct sl_nat_local gk = { .switch_id = 1, .vid = 1 };
	struct hp *h = calloc(1, sizeof(*h));
	__u32 slot = SL_NAT_FAST_OUT, gw = GW;
	struct nl_link_info li;
	struct bpf_map *m;
	int fd;

	if (!h)
		runner_fail(__FILE__, __LINE__, "out of memory");
	h->sw = sw_open();
	h->n = nat_open_sw(h->sw);
	runner_defer(hp_close, h);
	h->skel = nat_fast__open();
	if (!h->skel)
		runner_fail(__FILE__, __LINE__, "nat_fast__open: %s", strerror(errno));
	bpf_object__for_each_map(m, h->skel->obj) {
		struct bpf_map *o = bpf_object__find_map_by_name(h->n->skel->obj, bpf_map__name(m));

		if (bpf_map__is_internal(m))
			continue;
		if (!o || bpf_map__reuse_fd(m, bpf_map__fd(o)) || bpf_map__set_pin_path(m, NULL))
			runner_fail(__FILE__, __LINE__, "share map %s", bpf_map__name(m));
	}
	if (nat_fast__load(h->skel))
		runner_fail(__FILE__, __LINE__, "nat_fast__load: %s (-v for the log)", strerror(errno));
	fd = bpf_program__fd(h->skel->progs.sl_nat_fast);
	if (bpf_map_update_elem(bpf_map__fd(h->sw->tc->maps.sl_gw_prog), &slot, &fd, BPF_ANY))
		runner_fail(__FILE__, __LINE__, "sl_gw_prog: %s", strerror(errno));
	sh("sysctl -qw net.ipv4.ip_forward=1");
	sh("ip addr replace 192.0.2.1/24 dev ut0");
	sh("ip addr replace 10.0.0.1/24 dev ut2p");
	sh("ip neigh replace 10.0.0.10 lladdr 02:00:00:00:00:0a nud permanent dev ut2p");
	sh("ip neigh replace 10.0.0.11 lladdr 02:00:00:00:00:0b nud permanent dev ut2p");
	if (nl_link_get(nl_link_index("ut2p"), &li))
		runner_fail(__FILE__, __LINE__, "no device ut2p");
	memcpy(h->gw_mac, li.mac, 6);
	PORT(h->sw, 1, .pvid = 1);
	PORT(h->sw, 2, .pvid = 1, .flags = SL_PORT_F_GATEWAY, .tc_only = true);
	PORT(h->sw, 3, .pvid = 1);
	sw_fdb_add(h->sw, 1, 1, MAC_A, 1);
	sw_fdb_add(h->sw, 1, 1, h->gw_mac, 2);
	sw_fdb_add(h->sw, 1, 1, MAC_B, 3);
	nat_local_add(h->n, ipv4(10, 0, 0, 0), 24);
	if (bpf_map_update_elem(bpf_map__fd(h->n->skel->maps.sl_nat_gw), &gk, &gw, BPF_ANY))
		runner_fail(__FILE__, __LINE__, "sl_nat_gw: %s", strerror(errno));
	return h;
}

/* Publish PORT/PROTO of the uplink to TO:TO_PORT for sources FROM/PLEN, as the CLI does. */
static void publish(struct hp *h, __u8 proto, __u16 port, __u32 to, __u16 to_port, __u32 from,
		    int plen)
{
	struct sl_nat_pub_key k = { .ifindex = h->n->uplink, .port = htons(port), .proto = proto };
	struct sl_nat_pub v = { .to_addr = to, .to_port = htons(to_port), .from_addr = from,
				.from_mask = plen ? htonl(~0u << (32 - plen)) : 0,
				.ext_lo = port, .ext_hi = port, .to_lo = to_port, .to_hi = to_port };

	if (bpf_map_update_elem(bpf_map__fd(h->n->skel->maps.sl_nat_pub), &k, &v, BPF_ANY))
		runner_fail(__FILE__, __LINE__, "sl_nat_pub: %s", strerror(errno));
}

/* A frame from container S (MAC SMAC) to DMAC: TCP with FLAGS, or (FLAGS 0xff) UDP. */
static struct pkt frame(const __u8 *dmac, const __u8 *smac, __u32 s, __u16 sp, __u32 d,
			__u16 dp, __u8 flags, __u8 ttl)
{
	struct pkt p;

	pkt_eth(&p, dmac, smac);
	if (flags == 0xff) {
		pkt_udp4(&p, s, d, sp, dp, 21);
	} else {
		pkt_tcp4(&p, s, d, sp, dp, 0);
		pkt_tcp_flags(&p, flags, 5);
	}
	p.data[p.l3 + 8] = ttl;
	pkt_refresh_csums(&p);
	return p;
}

static void check_frame(const struct run *r, const struct pkt *want, const char *file, int line)
{
	const char *e = pkt_csum_error(r->out, r->len);

	if (r->ret != TC_ACT_REDIRECT)
		runner_fail(file, line, "verdict %d, expected a redirect", r->ret);
	if (e)
		runner_fail(file, line, "frame: %s", e);
	runner_check_mem(file, line, "frame", r->out, r->len, want->data, want->len);
}
#define ASSERT_FRAME(r, want) check_frame(&(r), &(want), __FILE__, __LINE__)

static struct sl_nat_fast_stats fast_stats(struct hp *h)
{
	struct sl_nat_fast_stats s;

	if (percpu_sum(bpf_map__fd(h->n->skel->maps.sl_nat_fast_stats), 0, &s, sizeof(s)))
		runner_fail(__FILE__, __LINE__, "sl_nat_fast_stats: %s", strerror(errno));
	return s;
}

/* Only slow-path reason WHY of the outbound direction moved, by COUNT. */
static void check_slow(struct hp *h, int why, __u64 count, const char *file, int line)
{
	struct sl_nat_fast_stats s = fast_stats(h);

	drops_check(s.slow[OUT], slow_names, SL_NAT_SLOW_MAX, why, count, "slow_out", file, line);
}

/* A TCP handshake from NAT_IN1 to EXT:8080 published to NAT_IN2:80: the SYN reaches the
 * target's port from the gateway address (MACs of a routed hop, TTL 63), the SYN-ACK the
 * client's from EXT:8080; both connections are in the table. */
TEST(nat_hairpin_tcp_to_other_container_and_back)
{
	struct hp *h = hp_open();
	struct pkt syn = frame(h->gw_mac, MAC_A, NAT_IN1, 40000, NAT_EXT, 8080, SYN, 64);
	struct pkt syn_want = frame(MAC_B, h->gw_mac, GW, 40000, NAT_IN2, 80, SYN, 63);
	struct pkt synack = frame(h->gw_mac, MAC_B, NAT_IN2, 80, GW, 40000, SYN | ACK, 64);
	struct pkt synack_want = frame(MAC_A, h->gw_mac, NAT_EXT, 8080, NAT_IN1, 40000,
				       SYN | ACK, 63);
	struct pkt ack = frame(h->gw_mac, MAC_A, NAT_IN1, 40000, NAT_EXT, 8080, ACK, 64);
	struct sl_nat_ct ct;
	struct run r;

	publish(h, IPPROTO_TCP, 8080, NAT_IN2, 80, 0, 0);
	r = sw_run_tc(h->sw, 1, &syn);
	ASSERT_FRAME(r, syn_want);
	ASSERT_EQ(sw_stats(h->sw, 3).tx_packets, 1);	/* redirected to the target's port */
	ASSERT_EQ(sw_stats(h->sw, 2).tx_packets, 0);	/* never crossed the gateway */
	/* The published connection, as if NAT_IN1 were outside... */
	ASSERT_TRUE(nat_ct_orig(h->n, IPPROTO_TCP, NAT_IN2, 80, NAT_IN1, 40000, &ct));
	ASSERT_TRUE(ct.flags & SL_NAT_CT_F_OPENED_IN);
	ASSERT_EQ(ct.addr, NAT_EXT);
	ASSERT_EQ(ct.port, htons(8080));
	/* ...and NAT_IN1's masquerade to the gateway address, its source port kept. */
	ASSERT_TRUE(nat_ct_orig(h->n, IPPROTO_TCP, NAT_IN1, 40000, NAT_IN2, 80, &ct));
	ASSERT_EQ(ct.addr, GW);
	ASSERT_EQ(ct.port, htons(40000));
	ASSERT_EQ(ct.state, SL_NAT_ST_SYN_SENT);
	ASSERT_TRUE(nat_ct_reply(h->n, IPPROTO_TCP, NAT_IN2, 80, GW, 40000, &ct));
	ASSERT_EQ(ct.addr, NAT_IN1);

	r = sw_run_tc(h->sw, 3, &synack);
	ASSERT_FRAME(r, synack_want);
	ASSERT_EQ(sw_stats(h->sw, 1).tx_packets, 1);	/* back at the client's port */
	r = sw_run_tc(h->sw, 1, &ack);
	ASSERT_EQ(r.ret, TC_ACT_REDIRECT);
	ASSERT_EQ(frame_saddr(r.out), GW);
	ASSERT_EQ(frame_daddr(r.out), NAT_IN2);
	ASSERT_TRUE(nat_ct_orig(h->n, IPPROTO_TCP, NAT_IN1, 40000, NAT_IN2, 80, &ct));
	ASSERT_EQ(ct.state, SL_NAT_ST_ESTABLISHED);
	ASSERT_TRUE(nat_ct_orig(h->n, IPPROTO_TCP, NAT_IN2, 80, NAT_IN1, 40000, &ct));
	ASSERT_EQ(ct.state, SL_NAT_ST_ESTABLISHED);
	ASSERT_EQ(nat_stats(h->n).hairpin, 3);
	ASSERT_EQ(nat_stats(h->n).flows, 2);
	ASSERT_EQ(fast_stats(h).fast[OUT], 3);
	check_slow(h, SL_NAT_SLOW_MAX, 0, __FILE__, __LINE__);
	ASSERT_NAT_NO_DROPS(h->n);
}

/* UDP from a container to its own published port: back out of its own port, and the answer
 * too; a second client with the same source port gets another mapping port. */
TEST(nat_hairpin_udp_to_itself_and_port_clash)
{
	struct hp *h = hp_open();
	struct pkt q = frame(h->gw_mac, MAC_A, NAT_IN1, 5000, NAT_EXT, 5353, 0xff, 64);
	struct pkt q_want = frame(MAC_A, h->gw_mac, GW, 5000, NAT_IN1, 53, 0xff, 63);
	struct pkt a = frame(h->gw_mac, MAC_A, NAT_IN1, 53, GW, 5000, 0xff, 64);
	struct pkt a_want = frame(MAC_A, h->gw_mac, NAT_EXT, 5353, NAT_IN1, 5000, 0xff, 63);
	struct pkt q2 = frame(h->gw_mac, MAC_B, NAT_IN2, 5000, NAT_EXT, 5353, 0xff, 64);
	struct run r;

	publish(h, IPPROTO_UDP, 5353, NAT_IN1, 53, 0, 0);
	r = sw_run_tc(h->sw, 1, &q);
	ASSERT_FRAME(r, q_want);
	r = sw_run_tc(h->sw, 1, &a);
	ASSERT_FRAME(r, a_want);
	ASSERT_EQ(sw_stats(h->sw, 1).tx_packets, 2);
	r = sw_run_tc(h->sw, 3, &q2);	/* GW:5000 -> NAT_IN1:53 is taken */
	ASSERT_EQ(r.ret, TC_ACT_REDIRECT);
	ASSERT_EQ(frame_saddr(r.out), GW);
	ASSERT_TRUE(frame_sport(r.out) != 5000);
	ASSERT_CSUM_OK(r.out, r.len);
	ASSERT_EQ(nat_stats(h->n).hairpin, 3);
	ASSERT_NAT_NO_DROPS(h->n);
}

/* An unpublished port, a source outside the published port's `from`, and a published port
 * of another protocol: left to the host untouched (switched to the gateway), no entry. */
TEST(nat_hairpin_only_published_ports_and_allowed_sources)
{
	struct hp *h = hp_open();
	struct pkt other = frame(h->gw_mac, MAC_A, NAT_IN1, 40000, NAT_EXT, 9999, SYN, 64);
	struct pkt denied = frame(h->gw_mac, MAC_A, NAT_IN1, 40001, NAT_EXT, 8080, SYN, 64);
	struct pkt udp = frame(h->gw_mac, MAC_A, NAT_IN1, 40002, NAT_EXT, 8080, 0xff, 64);
	struct pkt allowed = frame(h->gw_mac, MAC_B, NAT_IN2, 40003, NAT_EXT, 8080, SYN, 64);
	struct sl_nat_ct ct;
	struct run r;

	publish(h, IPPROTO_TCP, 8080, NAT_IN2, 80, NAT_IN2, 32);
	r = sw_run_tc(h->sw, 1, &other);
	ASSERT_EQ(r.ret, TC_ACT_REDIRECT);
	runner_check_mem(__FILE__, __LINE__, "frame", r.out, r.len, other.data, other.len);
	r = sw_run_tc(h->sw, 1, &denied);
	runner_check_mem(__FILE__, __LINE__, "frame", r.out, r.len, denied.data, denied.len);
	r = sw_run_tc(h->sw, 1, &udp);
	runner_check_mem(__FILE__, __LINE__, "frame", r.out, r.len, udp.data, udp.len);
	ASSERT_EQ(sw_stats(h->sw, 2).tx_packets, 3);
	check_slow(h, SL_NAT_SLOW_NOT_FWDED, 3, __FILE__, __LINE__);
	ASSERT_FALSE(nat_ct_orig(h->n, IPPROTO_TCP, NAT_IN2, 80, NAT_IN1, 40001, &ct));
	ASSERT_EQ(nat_stats(h->n).hairpin, 0);
	r = sw_run_tc(h->sw, 3, &allowed);	/* the source `from` names */
	ASSERT_EQ(r.ret, TC_ACT_REDIRECT);
	ASSERT_EQ(frame_daddr(r.out), NAT_IN2);
	ASSERT_EQ(frame_dport(r.out), 80);
	ASSERT_EQ(nat_stats(h->n).hairpin, 1);
}

/* Fast path off: the port leaves the frame to the gateway; the guard on the gateway's host
 * leg translates it and sends it back out of the leg through the neighbour entry. */
TEST(nat_hairpin_fastpath_off_taken_by_the_guard)
{
	struct hp *h = hp_open();
	struct pkt syn = frame(h->gw_mac, MAC_A, NAT_IN1, 40000, NAT_EXT, 8080, SYN, 64);
	struct pkt syn_want = frame(h->gw_mac, MAC_A, GW, 40000, NAT_IN2, 80, SYN, 63);
	struct pkt synack = frame(h->gw_mac, MAC_B, NAT_IN2, 80, GW, 40000, SYN | ACK, 64);
	struct pkt synack_want = frame(h->gw_mac, MAC_B, NAT_EXT, 8080, NAT_IN1, 40000,
				       SYN | ACK, 63);
	int leg = nl_link_index("ut2p");
	struct run r;

	nat_rule_ports(h->n, 0, 0, SL_NAT_F_SLOWPATH);
	publish(h, IPPROTO_TCP, 8080, NAT_IN2, 80, 0, 0);
	r = sw_run_tc(h->sw, 1, &syn);
	ASSERT_EQ(r.ret, TC_ACT_REDIRECT);
	runner_check_mem(__FILE__, __LINE__, "frame", r.out, r.len, syn.data, syn.len);
	ASSERT_EQ(sw_stats(h->sw, 2).tx_packets, 1);	/* to the gateway, untouched */
	ASSERT_EQ(nat_stats(h->n).hairpin, 0);
	/* The MACs are the neighbour layer's (bpf_redirect_neigh): unchanged here. */
	r = run_skb(h->n->skel->progs.sl_nat_guard, leg, &syn);
	ASSERT_FRAME(r, syn_want);
	r = sw_run_tc(h->sw, 3, &synack);
	runner_check_mem(__FILE__, __LINE__, "frame", r.out, r.len, synack.data, synack.len);
	r = run_skb(h->n->skel->progs.sl_nat_guard, leg, &synack);
	ASSERT_FRAME(r, synack_want);
	ASSERT_EQ(nat_stats(h->n).hairpin, 2);
	ASSERT_EQ(fast_stats(h).fast[OUT], 0);
	check_slow(h, SL_NAT_SLOW_OFF, 2, __FILE__, __LINE__);
	ASSERT_NAT_NO_DROPS(h->n);
}
