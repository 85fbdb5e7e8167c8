// SPDX-License-Identifier: MIT
/* The NAT's XDP uplink: a reply translated at ut0's XDP hook and redirected into the
 * container's XDP port (gateway MAC as source, TTL-1, checksums right), and every frame
 * it cannot take handed on to tc unchanged, counted by reason. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <netinet/in.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "sluice_nat_fast.h"
#include "netlink.h"
#include "nat_fixture.h"
#include "nat_tc.skel.h"
#include "nat_xdp.skel.h"
#include "switch_xdp.skel.h"

#define SYN	0x02
#define ACK	0x10
#define SMALL_MTU	ipv4(10, 0, 0, 12)
#define OUT		SL_NAT_FAST_DIR_OUT
#define IN		SL_NAT_FAST_DIR_IN
#define RTR_MAC		((const __u8[]){ 0x02, 0x00, 0x00, 0x00, 0x00, 0x0c })

static const char *const slow_names[SL_NAT_SLOW_MAX] = SL_NAT_SLOW_NAMES;

struct xup {
	struct sw *sw;
	struct nat *n;
	struct nat_xdp *skel;
	__u8 gw_mac[6];		/* ut2p, the gateway's host leg */
	__u8 up_mac[6];		/* ut0, the uplink */
	int xstats;
};

static void sh(const char *cmd)
{
	if (system(cmd))
		runner_fail(__FILE__, __LINE__, "%s failed", cmd);
}

/* The runner's netns as the host: ut0 the uplink (NAT_EXT), ut2p the gateway's host leg
 * (10.0.0.1/24, NAT_IN1 known at MAC_A, SMALL_MTU behind a 1280-byte route), NAT_REM
 * beyond a router (RTR_MAC) on ut0: what test_nat_fast sets, plus the SMALL_MTU route. */
static void topology(void)
{
	static bool done;

	if (done)
		return;
	done = true;
	sh("sysctl -qw net.ipv4.ip_forward=1");
	sh("ip addr replace 192.0.2.1/24 dev ut0");
	sh("ip neigh replace 192.0.2.254 lladdr 02:00:00:00:00:0c nud permanent dev ut0");
	sh("ip route replace 198.51.100.0/24 via 192.0.2.254");
	sh("ip addr replace 10.0.0.1/24 dev ut2p");
	sh("ip neigh replace 10.0.0.10 lladdr 02:00:00:00:00:0a nud permanent dev ut2p");
	sh("ip route replace 10.0.0.12/32 dev ut2p mtu lock 1280");
}

static void mac_of(const char *dev, __u8 *mac)
{
	struct nl_link_info li;

	if (nl_link_get(nl_link_index(dev), &li))
		runner_fail(__FILE__, __LINE__, "no device %s", dev);
	memcpy(mac, li.mac, 6);
}

static void xup_close(void *arg)
{
	struct xup *x = arg;

	nat_xdp__destroy(x->skel);
	free(x);
}

/* Switch and NAT on one set of maps, the XDP hook on them; port 1 (an XDP port) holds
 * NAT_IN1 (MAC_A), port 2 is the gateway. */
static struct xup *xup_open(void)
{
	struct xup *x = calloc(1, sizeof(*x));
	__u32 slot = SL_NAT_FAST_OUT;
	struct bpf_map *m;
	int fd;

	if (!x)
		runner_fail(__FILE__, __LINE__, "out of memory");
	x->sw = sw_open();
	x->n = nat_open_sw(x->sw);
	runner_defer(xup_close, x);
	x->skel = nat_xdp__open();
	if (!x->skel)
		runner_fail(__FILE__, __LINE__, "nat_xdp__open: %s", strerror(errno));
	bpf_object__for_each_map(m, x->skel->obj) {
		const char *name = bpf_map__name(m);
		struct bpf_map *o = bpf_object__find_map_by_name(x->n->skel->obj, name);

		bpf_map__set_pin_path(m, NULL);
		if (bpf_map__is_internal(m) || !strcmp(name, SL_NAT_XDP_STATS_MAP) ||
		    !strcmp(name, SL_NAT_XDP_TX_MAP))
			continue;	/* its own */
		if (!o || bpf_map__reuse_fd(m, bpf_map__fd(o)))
			runner_fail(__FILE__, __LINE__, "share map %s", name);
	}
	if (nat_xdp__load(x->skel))
		runner_fail(__FILE__, __LINE__, "nat_xdp__load: %s (-v for the log)", strerror(errno));
	x->xstats = bpf_map__fd(x->skel->maps.sl_nat_xdp_stats);
	/* As `nat add ... xdp native` leaves it: ut0 a redirect target, the outbound program
	 * in the XDP ports' slot. */
	fd = bpf_program__fd(x->skel->progs.sl_nat_xdp_out);
	if (bpf_map_update_elem(bpf_map__fd(x->sw->xdp->maps.sl_gw_xdp_prog), &slot, &fd, BPF_ANY) ||
	    bpf_map_update_elem(bpf_map__fd(x->skel->maps.sl_nat_xdp_tx), &x->n->uplink,
				&x->n->uplink, BPF_ANY))
		runner_fail(__FILE__, __LINE__, "XDP slot or uplink devmap: %s", strerror(errno));
	nat_rule_ports(x->n, SL_NAT_PORT_LO, SL_NAT_PORT_HI, SL_NAT_F_XDP_NATIVE);
	topology();
	mac_of("ut2p", x->gw_mac);
	mac_of("ut0", x->up_mac);
	PORT(x->sw, 1, .pvid = 1);
	PORT(x->sw, 2, .pvid = 1, .flags = SL_PORT_F_GATEWAY, .tc_only = true);
	sw_fdb_add(x->sw, 1, 1, MAC_A, 1);
	sw_fdb_add(x->sw, 1, 1, x->gw_mac, 2);
	nat_local_add(x->n, ipv4(10, 0, 0, 0), 24);
	return x;
}

static struct sl_nat_xdp_stats xdp_stats(struct xup *x)
{
	struct sl_nat_xdp_stats s;

	if (percpu_sum(x->xstats, 0, &s, sizeof(s)))
		runner_fail(__FILE__, __LINE__, "sl_nat_xdp_stats: %s", strerror(errno));
	return s;
}

/* Only pass reason WHY of direction DIR moved, once (WHY = MAX: none). */
static void check_pass(struct xup *x, int dir, int why, const char *file, int line)
{
	struct sl_nat_xdp_stats s = xdp_stats(x);

	drops_check(s.pass[dir], slow_names, SL_NAT_SLOW_MAX, why, why < SL_NAT_SLOW_MAX,
		    dir == OUT ? "xdp pass_out" : "xdp pass_in", file, line);
}
#define ASSERT_PASS(x, dir, why) check_pass(x, dir, why, __FILE__, __LINE__)

static struct run xdp_in(struct xup *x, const struct pkt *p)
{
	return run_xdp_prog(x->skel->progs.sl_nat_xdp, x->n->uplink, p);
}

static void ttl_set(struct pkt *p, __u8 ttl)
{
	p->data[p->l3 + 8] = ttl;
	pkt_refresh_csums(p);
}

/* The container's packet C leaves by the uplink's egress hook (the slow path's SNAT). */
static void flow_open(struct xup *x, const struct pkt *c)
{
	struct run r = nat_out(x->n, c);

	if (r.ret != TC_ACT_UNSPEC || frame_saddr(r.out) != NAT_EXT)
		runner_fail(__FILE__, __LINE__, "the flow did not open: verdict %d", r.ret);
}

/* A reply P delivered: translated to WANT, redirected, counted as fast. */
static void check_fast(struct xup *x, const struct pkt *p, const struct pkt *want,
		       const char *file, int line)
{
	struct run r = xdp_in(x, p);
	const char *e = pkt_csum_error(r.out, r.len);

	if (r.ret != XDP_REDIRECT)
		runner_fail(file, line, "verdict %d, expected XDP_REDIRECT (%d)", r.ret, XDP_REDIRECT);
	if (e)
		runner_fail(file, line, "frame: %s", e);
	runner_check_mem(file, line, "frame", r.out, r.len, want->data, want->len);
}
#define ASSERT_FAST(x, p, want) check_fast(x, &(p), &(want), __FILE__, __LINE__)

TEST(nat_xdp_udp_reply_translated_and_redirected_to_container)
{
	struct xup *x = xup_open();
	struct pkt c, reply, want;

	pkt_eth(&c, x->up_mac, MAC_A);
	pkt_udp4(&c, NAT_IN1, NAT_REM, 5000, 53, 21);
	flow_open(x, &c);
	pkt_eth(&reply, x->up_mac, MAC_C);
	pkt_udp4(&reply, NAT_REM, NAT_EXT, 53, 5000, 30);
	pkt_eth(&want, MAC_A, x->gw_mac);
	pkt_udp4(&want, NAT_REM, NAT_IN1, 53, 5000, 30);
	ttl_set(&want, 63);
	ASSERT_FAST(x, reply, want);
	ASSERT_EQ(xdp_stats(x).fast[IN], 1);
	ASSERT_PASS(x, IN, SL_NAT_SLOW_MAX);
	ASSERT_EQ(sw_stats(x->sw, 1).tx_packets, 1);	/* sent by the container's port */
	ASSERT_EQ(nat_stats(x->n).dnat_packets, 1);
	ASSERT_NAT_NO_DROPS(x->n);
}

TEST(nat_xdp_tcp_and_echo_replies_keep_checksums_right)
{
	struct xup *x = xup_open();
	struct pkt c, reply, want;
	struct sl_nat_ct ct;

	pkt_eth(&c, x->up_mac, MAC_A);
	pkt_tcp4(&c, NAT_IN1, NAT_REM, 40000, 80, 0);
	pkt_tcp_flags(&c, SYN, 5);
	flow_open(x, &c);
	pkt_eth(&reply, x->up_mac, MAC_C);
	pkt_tcp4(&reply, NAT_REM, NAT_EXT, 80, 40000, 100);
	pkt_tcp_flags(&reply, SYN | ACK, 5);
	pkt_eth(&want, MAC_A, x->gw_mac);
	pkt_tcp4(&want, NAT_REM, NAT_IN1, 80, 40000, 100);
	pkt_tcp_flags(&want, SYN | ACK, 5);
	ttl_set(&want, 63);
	ASSERT_FAST(x, reply, want);
	ASSERT_TRUE(nat_ct_orig(x->n, IPPROTO_TCP, NAT_IN1, 40000, NAT_REM, 80, &ct));
	ASSERT_EQ(ct.state, SL_NAT_ST_SYN_RECV);	/* the reply moved the connection on */

	pkt_eth(&c, x->up_mac, MAC_A);
	pkt_icmp4_echo(&c, NAT_IN1, NAT_REM, 777, 1, 56);
	flow_open(x, &c);
	pkt_eth(&reply, x->up_mac, MAC_C);
	pkt_icmp4_echo(&reply, NAT_REM, NAT_EXT, frame_sport(nat_out(x->n, &c).out), 1, 56);
	reply.data[reply.l3 + 20] = 0;	/* echo reply */
	pkt_refresh_csums(&reply);
	pkt_eth(&want, MAC_A, x->gw_mac);
	pkt_icmp4_echo(&want, NAT_REM, NAT_IN1, 777, 1, 56);
	want.data[want.l3 + 20] = 0;
	ttl_set(&want, 63);
	ASSERT_FAST(x, reply, want);
	ASSERT_EQ(xdp_stats(x).fast[IN], 2);
	ASSERT_PASS(x, IN, SL_NAT_SLOW_MAX);
}

/* Builders of replies the XDP hook hands on to tc. */
static void r_ttl_1(struct xup *x, struct pkt *p)
{
	ttl_set(p, 1);
}

static void r_options(struct xup *x, struct pkt *p)
{
	__u8 *ip = p->data + p->l3;

	memmove(ip + 24, ip + 20, p->len - p->l3 - 20);
	memset(ip + 20, 1, 4);	/* four NOPs: IHL 6 */
	p->len += 4;
	ip[0] = 0x46;
	ip[3] += 4;
	pkt_refresh_csums(p);
}

static void r_fragment(struct xup *x, struct pkt *p)
{
	p->data[p->l3 + 6] = 0x20;	/* MF */
	pkt_refresh_csums(p);
}

static void r_icmp_error(struct xup *x, struct pkt *p)
{
	struct pkt q;

	pkt_eth(&q, x->up_mac, MAC_A);
	pkt_udp4(&q, NAT_EXT, NAT_REM, 5000, 53, 21);
	pkt_eth(p, x->up_mac, MAC_C);
	pkt_icmp_error(p, NAT_REM, NAT_EXT, 3, 3, 0, &q, 28);
}

static void r_not_nat(struct xup *x, struct pkt *p)
{
	pkt_eth(p, x->up_mac, MAC_C);
	pkt_udp4(p, NAT_REM, ipv4(192, 0, 2, 99), 53, 5000, 30);
}

static void r_off(struct xup *x, struct pkt *p)
{
	nat_rule_ports(x->n, SL_NAT_PORT_LO, SL_NAT_PORT_HI, SL_NAT_F_SLOWPATH);
}

static void r_tc_port(struct xup *x, struct pkt *p)
{
	PORT(x->sw, 1, .pvid = 1, .tc_only = true);	/* its peer takes no XDP redirects */
}

/* SMALL_MTU's route to the container is a 1280-byte one: the host sends Frag Needed. */
static void r_mtu(struct xup *x, struct pkt *p)
{
	struct pkt c;

	pkt_eth(&c, x->up_mac, MAC_A);
	pkt_udp4(&c, SMALL_MTU, NAT_REM, 5001, 53, 21);
	flow_open(x, &c);
	pkt_eth(p, x->up_mac, MAC_C);
	pkt_udp4(p, NAT_REM, NAT_EXT, 53, frame_sport(nat_out(x->n, &c).out), 1300);
}

TEST(nat_xdp_exceptions_pass_to_tc_unchanged_by_reason)
{
	static const struct {
		const char *what;
		void (*make)(struct xup *x, struct pkt *p);
		int why;
	} cases[] = {
		{ "TTL 1", r_ttl_1, SL_NAT_SLOW_TTL },
		{ "IP options", r_options, SL_NAT_SLOW_OPTIONS },
		{ "fragment", r_fragment, SL_NAT_SLOW_FRAG },
		{ "ICMP error", r_icmp_error, SL_NAT_SLOW_ICMP_ERROR },
		{ "not to an external address", r_not_nat, SL_NAT_SLOW_NO_RULE },
		{ "fastpath off", r_off, SL_NAT_SLOW_OFF },
		{ "container on a tc port", r_tc_port, SL_NAT_SLOW_NO_PORT },
		{ "larger than the container's MTU", r_mtu, SL_NAT_SLOW_MTU },
	};
	struct xup *x = xup_open();
	int ncpu = libbpf_num_possible_cpus();
	void *zero = calloc(ncpu, sizeof(struct sl_nat_xdp_stats));
	struct pkt c;

	if (!zero)
		runner_fail(__FILE__, __LINE__, "out of memory");
	pkt_eth(&c, x->up_mac, MAC_A);
	pkt_udp4(&c, NAT_IN1, NAT_REM, 5000, 53, 21);
	flow_open(x, &c);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *where = cases[i].what;
		struct pkt p;
		struct run r;

		/* One fixture (the TCG guest loads each for most of a minute): reset it. */
		nat_rule_ports(x->n, SL_NAT_PORT_LO, SL_NAT_PORT_HI, SL_NAT_F_XDP_NATIVE);
		PORT(x->sw, 1, .pvid = 1);
		if (bpf_map_update_elem(x->xstats, &(__u32){ 0 }, zero, BPF_ANY))
			runner_fail(__FILE__, __LINE__, "zero counters: %s", strerror(errno));
		pkt_eth(&p, x->up_mac, MAC_C);
		pkt_udp4(&p, NAT_REM, NAT_EXT, 53, 5000, 30);
		cases[i].make(x, &p);
		r = xdp_in(x, &p);
		if (r.ret != XDP_PASS)
			runner_fail(__FILE__, __LINE__, "%s: verdict %d, expected XDP_PASS", where,
				    r.ret);
		runner_check_mem(__FILE__, __LINE__, where, r.out, r.len, p.data, p.len);
		check_pass(x, IN, cases[i].why, __FILE__, __LINE__);
		ASSERT_EQ(xdp_stats(x).fast[IN], 0);
	}
	free(zero);
}

TEST(nat_xdp_reply_without_connection_passes_as_no_flow)
{
	struct xup *x = xup_open();
	struct pkt p;
	struct run r;

	pkt_eth(&p, x->up_mac, MAC_C);
	pkt_udp4(&p, NAT_REM, NAT_EXT, 53, 5000, 30);
	r = xdp_in(x, &p);
	ASSERT_EQ(r.ret, XDP_PASS);
	ASSERT_EQ(xdp_stats(x).no_flow[IN], 1);
	ASSERT_PASS(x, IN, SL_NAT_SLOW_MAX);
	ASSERT_EQ(nat_stats(x->n).dnat_packets, 0);
}

/* A container's frame to its gateway, from its XDP port. */
static struct pkt c_udp(struct xup *x, __u16 sp)
{
	struct pkt p;

	pkt_eth(&p, x->gw_mac, MAC_A);
	pkt_udp4(&p, NAT_IN1, NAT_REM, sp, 53, 21);
	return p;
}

TEST(nat_xdp_out_live_flow_translated_and_redirected_to_xdp_uplink)
{
	struct xup *x = xup_open();
	struct pkt c, p = c_udp(x, 5000), want;
	struct run r;

	pkt_eth(&c, x->up_mac, MAC_A);
	pkt_udp4(&c, NAT_IN1, NAT_REM, 5000, 53, 21);
	flow_open(x, &c);
	r = sw_run_xdp(x->sw, 1, &p);
	/* Source translated, TTL 63, the router's MAC from the FIB, ut0's as source. */
	pkt_eth(&want, RTR_MAC, x->up_mac);
	pkt_udp4(&want, NAT_EXT, NAT_REM, 5000, 53, 21);
	ttl_set(&want, 63);
	ASSERT_EQ(r.ret, XDP_REDIRECT);
	ASSERT_CSUM_OK(r.out, r.len);
	ASSERT_MEM_EQ(r.out, r.len, want.data, want.len);
	ASSERT_EQ(xdp_stats(x).fast[OUT], 1);
	ASSERT_PASS(x, OUT, SL_NAT_SLOW_MAX);
	ASSERT_EQ(nat_stats(x->n).snat_packets, 2);
	ASSERT_EQ(sw_stats(x->sw, 1).rx_packets, 1);
	ASSERT_EQ(sw_stats(x->sw, 2).tx_packets, 0);	/* never crossed the gateway */
}

TEST(nat_xdp_out_new_flow_and_tc_uplink_pass_to_tc)
{
	struct xup *x = xup_open();
	struct pkt c, p = c_udp(x, 6000);
	struct run r;

	/* No connection yet: tc's fast path makes it (port allocation, four inserts). */
	r = sw_run_xdp(x->sw, 1, &p);
	ASSERT_EQ(r.ret, XDP_PASS);
	ASSERT_MEM_EQ(r.out, r.len, p.data, p.len);
	ASSERT_EQ(xdp_stats(x).no_flow[OUT], 1);
	/* A live connection, but the rule's uplink has no XDP hook. */
	pkt_eth(&c, x->up_mac, MAC_A);
	pkt_udp4(&c, NAT_IN1, NAT_REM, 6000, 53, 21);
	flow_open(x, &c);
	nat_rule_ports(x->n, SL_NAT_PORT_LO, SL_NAT_PORT_HI, 0);
	r = sw_run_xdp(x->sw, 1, &p);
	ASSERT_EQ(r.ret, XDP_PASS);
	ASSERT_MEM_EQ(r.out, r.len, p.data, p.len);
	ASSERT_PASS(x, OUT, SL_NAT_SLOW_NO_RULE);
	ASSERT_EQ(xdp_stats(x).fast[OUT], 0);
	/* TTL 1: the host sends Time Exceeded. */
	nat_rule_ports(x->n, SL_NAT_PORT_LO, SL_NAT_PORT_HI, SL_NAT_F_XDP_NATIVE);
	ttl_set(&p, 1);
	ASSERT_EQ(sw_run_xdp(x->sw, 1, &p).ret, XDP_PASS);
	ASSERT_EQ(xdp_stats(x).pass[OUT][SL_NAT_SLOW_TTL], 1);
}
