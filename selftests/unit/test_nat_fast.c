// SPDX-License-Identifier: MIT
/* The NAT fast path: a container's frame to its gateway routed (the FIB of the runner's
 * netns), translated and redirected from its port, replies delivered from the uplink
 * straight to the container, and every exception left to the host with its reason. */
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
#include "nat_fast.skel.h"
#include "switch_tc.skel.h"
#include "nat_tc.skel.h"
#include "events.h"

/* The runner's netns as a host: ut0 the uplink (NAT_EXT, a router at .254 beyond which
 * NAT_REM lives, NAT_REM2 behind a 1280-byte link, UNREACH unreachable), ut2p the host end
 * of gateway port ut2 (10.0.0.1/24, NAT_IN1 known at MAC_A), ut1 NAT_IN1's port. */
#define GW_ADDR		"10.0.0.1"
#define UNREACH		ipv4(198, 51, 100, 9)
#define SYN		0x02
#define ACK		0x10
#define OUT		SL_NAT_FAST_DIR_OUT
#define IN		SL_NAT_FAST_DIR_IN

static const char *const slow_names[SL_NAT_SLOW_MAX] = SL_NAT_SLOW_NAMES;

struct fast {
	struct sw *sw;
	struct nat *n;
	struct nat_fast *skel;
	__u8 gw_mac[6];		/* ut2p: what containers send to, and replies come from */
	__u8 up_mac[6];		/* ut0 */
	int fstats;
};

static void sh(const char *cmd)
{
	if (system(cmd))
		runner_fail(__FILE__, __LINE__, "%s failed", cmd);
}

/* Once per run: the veths and what is set on them outlive each test (and the guest's
 * TCG makes every command seconds long). */
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
	sh("ip route replace 198.51.100.8/32 via 192.0.2.254 mtu lock 1280");
	sh("ip route replace unreachable 198.51.100.9/32");
	sh("ip addr replace " GW_ADDR "/24 dev ut2p");
	sh("ip neigh replace 10.0.0.10 lladdr 02:00:00:00:00:0a nud permanent dev ut2p");
}

static void fast_close(void *arg)
{
	struct fast *f = arg;

	nat_fast__destroy(f->skel);
	free(f);
}

static void mac_of(const char *dev, __u8 *mac)
{
	struct nl_link_info li;

	if (nl_link_get(nl_link_index(dev), &li))
		runner_fail(__FILE__, __LINE__, "no device %s", dev);
	memcpy(mac, li.mac, 6);
}

/* Switch, NAT and fast path on one set of maps; the fast path in the ports' slot. */
static struct fast *fast_open(void)
{
	struct fast *f = calloc(1, sizeof(*f));
	__u32 slot = SL_NAT_FAST_OUT;
	struct bpf_map *m;
	int fd;

	if (!f)
		runner_fail(__FILE__, __LINE__, "out of memory");
	f->sw = sw_open();
	f->n = nat_open_sw(f->sw);
	runner_defer(fast_close, f);
	f->skel = nat_fast__open();
	if (!f->skel)
		runner_fail(__FILE__, __LINE__, "nat_fast__open: %s", strerror(errno));
	bpf_object__for_each_map(m, f->skel->obj) {
		const char *name = bpf_map__name(m);
		struct bpf_map *o = bpf_object__find_map_by_name(f->n->skel->obj, name);

		if (bpf_map__is_internal(m))
			continue;	/* its own .rodata */
		if (!o || bpf_map__reuse_fd(m, bpf_map__fd(o)) || bpf_map__set_pin_path(m, NULL))
			runner_fail(__FILE__, __LINE__, "share map %s", name);
	}
	if (nat_fast__load(f->skel))
		runner_fail(__FILE__, __LINE__, "nat_fast__load: %s (-v for the log)", strerror(errno));
	fd = bpf_program__fd(f->skel->progs.sl_nat_fast);
	if (bpf_map_update_elem(bpf_map__fd(f->sw->tc->maps.sl_gw_prog), &slot, &fd, BPF_ANY))
		runner_fail(__FILE__, __LINE__, "sl_gw_prog: %s", strerror(errno));
	f->fstats = bpf_map__fd(f->n->skel->maps.sl_nat_fast_stats);
	topology();
	mac_of("ut2p", f->gw_mac);
	mac_of("ut0", f->up_mac);
	PORT(f->sw, 1, .pvid = 1);
	PORT(f->sw, 2, .pvid = 1, .flags = SL_PORT_F_GATEWAY, .tc_only = true);
	sw_fdb_add(f->sw, 1, 1, MAC_A, 1);
	sw_fdb_add(f->sw, 1, 1, f->gw_mac, 2);
	nat_local_add(f->n, ipv4(10, 0, 0, 0), 24);
	return f;
}

static struct sl_nat_fast_stats fast_stats(struct fast *f)
{
	struct sl_nat_fast_stats s;

	if (percpu_sum(f->fstats, 0, &s, sizeof(s)))
		runner_fail(__FILE__, __LINE__, "sl_nat_fast_stats: %s", strerror(errno));
	return s;
}

/* Only slow-path reason WHY of direction DIR moved, by COUNT (WHY = MAX: none). */
static void check_slow(struct fast *f, int dir, int why, __u64 count, const char *file, int line)
{
	struct sl_nat_fast_stats s = fast_stats(f);

	drops_check(s.slow[dir], slow_names, SL_NAT_SLOW_MAX, why, count,
		    dir == OUT ? "slow_out" : "slow_in", file, line);
}
#define ASSERT_SLOW(f, dir, why) check_slow(f, dir, why, 1, __FILE__, __LINE__)
#define ASSERT_NO_SLOW(f, dir) check_slow(f, dir, SL_NAT_SLOW_MAX, 0, __FILE__, __LINE__)

/* A container's UDP datagram to its gateway's MAC. */
static struct pkt c_udp(struct fast *f, __u32 d, __u16 dp, size_t len)
{
	struct pkt p;

	pkt_eth(&p, f->gw_mac, MAC_A);
	pkt_udp4(&p, NAT_IN1, d, 5000, dp, len);
	return p;
}

static void ttl_set(struct pkt *p, __u8 ttl)
{
	p->data[p->l3 + 8] = ttl;
	pkt_refresh_csums(p);
}

static void check_frame(const struct run *r, const struct pkt *want, const char *file, int line)
{
	const char *e = pkt_csum_error(r->out, r->len);

	if (e)
		runner_fail(file, line, "frame: %s", e);
	runner_check_mem(file, line, "frame", r->out, r->len, want->data, want->len);
}
#define ASSERT_FRAME(r, want) check_frame(&(r), &(want), __FILE__, __LINE__)

/* The frame left to the host: switched to the gateway port exactly as it came. */
static void check_to_gateway(struct fast *f, const struct run *r, const struct pkt *p, __u64 tx,
			     const char *file, int line)
{
	if (r->ret != TC_ACT_REDIRECT)
		runner_fail(file, line, "verdict %d, expected a redirect to the gateway", r->ret);
	runner_check_mem(file, line, "frame", r->out, r->len, p->data, p->len);
	if (sw_stats(f->sw, 2).tx_packets != tx)
		runner_fail(file, line, "gateway port sent %llu, expected %llu",
			    (unsigned long long)sw_stats(f->sw, 2).tx_packets, (unsigned long long)tx);
}
#define ASSERT_TO_GATEWAY(f, r, p) check_to_gateway(f, &(r), &(p), 1, __FILE__, __LINE__)

TEST(nat_fast_out_udp_translated_routed_and_redirected)
{
	struct fast *f = fast_open();
	struct pkt p = c_udp(f, NAT_REM, 53, 21), want;
	struct run r = sw_run_tc(f->sw, 1, &p);

	/* Source translated, TTL 63; the MACs are the neighbour layer's (bpf_redirect_neigh). */
	pkt_eth(&want, f->gw_mac, MAC_A);
	pkt_udp4(&want, NAT_EXT, NAT_REM, 5000, 53, 21);
	ttl_set(&want, 63);
	ASSERT_EQ(r.ret, TC_ACT_REDIRECT);
	ASSERT_FRAME(r, want);
	ASSERT_EQ(fast_stats(f).fast[OUT], 1);
	ASSERT_NO_SLOW(f, OUT);
	ASSERT_EQ(nat_stats(f->n).snat_packets, 1);
	ASSERT_EQ(nat_stats(f->n).flows, 1);
	ASSERT_EQ(sw_stats(f->sw, 2).tx_packets, 0);	/* never crossed the gateway */
	ASSERT_NAT_NO_DROPS(f->n);
}

/* The fast path's frame leaves through the uplink's egress hook too (bpf_redirect_neigh):
 * translated already, it passes untouched and moves no NAT counter. */
TEST(nat_fast_out_frame_passes_uplink_hook_untouched)
{
	struct fast *f = fast_open();
	struct pkt p = c_udp(f, NAT_REM, 53, 21), again;
	struct run r = sw_run_tc(f->sw, 1, &p), e;
	struct sl_nat_stats before, after;

	ASSERT_EQ(r.ret, TC_ACT_REDIRECT);
	memcpy(again.data, r.out, r.len);
	again.len = r.len;
	again.l3 = ETH_HLEN;
	before = nat_stats(f->n);
	e = nat_out(f->n, &again);
	ASSERT_EQ(e.ret, TC_ACT_UNSPEC);
	ASSERT_EQ(e.len, r.len);
	ASSERT_TRUE(!memcmp(e.out, r.out, r.len));
	after = nat_stats(f->n);
	ASSERT_TRUE(!memcmp(&before, &after, sizeof(after)));	/* no NAT counter moved */
	ASSERT_EQ(after.snat_packets, 1);
	ASSERT_NAT_NO_DROPS(f->n);
}

TEST(nat_fast_in_reply_reaches_container_from_gateway_mac)
{
	struct fast *f = fast_open();
	struct pkt p = c_udp(f, NAT_REM, 53, 21), reply, want;
	struct run r;

	sw_run_tc(f->sw, 1, &p);
	pkt_eth(&reply, f->up_mac, MAC_C);
	pkt_udp4(&reply, NAT_REM, NAT_EXT, 53, 5000, 30);
	pkt_eth(&want, MAC_A, f->gw_mac);
	pkt_udp4(&want, NAT_REM, NAT_IN1, 53, 5000, 30);
	ttl_set(&want, 63);
	r = nat_in(f->n, &reply);
	ASSERT_EQ(r.ret, TC_ACT_REDIRECT);
	ASSERT_FRAME(r, want);
	ASSERT_EQ(fast_stats(f).fast[IN], 1);
	ASSERT_NO_SLOW(f, IN);
	ASSERT_EQ(sw_stats(f->sw, 1).tx_packets, 1);	/* counted as sent by the container's port */
	ASSERT_EQ(nat_stats(f->n).dnat_packets, 1);
}

TEST(nat_fast_flow_moves_between_paths_on_one_mapping)
{
	struct fast *f = fast_open();
	struct pkt syn, synack, ack;
	struct sl_nat_ct ct;
	struct run r;

	/* SYN on the slow path (the uplink's egress hook), the rest fast, then slow again. */
	pkt_eth(&syn, MAC_C, f->up_mac);
	pkt_tcp4(&syn, NAT_IN1, NAT_REM, 40000, 80, 0);
	pkt_tcp_flags(&syn, SYN, 5);
	r = nat_out(f->n, &syn);
	ASSERT_EQ(r.ret, TC_ACT_UNSPEC);
	pkt_eth(&synack, f->up_mac, MAC_C);
	pkt_tcp4(&synack, NAT_REM, NAT_EXT, 80, 40000, 0);
	pkt_tcp_flags(&synack, SYN | ACK, 5);
	r = nat_in(f->n, &synack);
	ASSERT_EQ(r.ret, TC_ACT_REDIRECT);
	ASSERT_EQ(frame_daddr(r.out), NAT_IN1);
	ASSERT_EQ(frame_dport(r.out), 40000);
	pkt_eth(&ack, f->gw_mac, MAC_A);
	pkt_tcp4(&ack, NAT_IN1, NAT_REM, 40000, 80, 10);
	pkt_tcp_flags(&ack, ACK, 5);
	r = sw_run_tc(f->sw, 1, &ack);
	ASSERT_EQ(r.ret, TC_ACT_REDIRECT);
	ASSERT_EQ(frame_saddr(r.out), NAT_EXT);
	ASSERT_EQ(frame_sport(r.out), 40000);
	ASSERT_CSUM_OK(r.out, r.len);
	r = nat_out(f->n, &ack);
	ASSERT_EQ(frame_sport(r.out), 40000);
	ASSERT_EQ(nat_stats(f->n).flows, 1);
	ASSERT_EQ(nat_stats(f->n).allocations, 1);
	ASSERT_TRUE(nat_ct_orig(f->n, IPPROTO_TCP, NAT_IN1, 40000, NAT_REM, 80, &ct));
	ASSERT_EQ(ct.state, SL_NAT_ST_ESTABLISHED);
	ASSERT_EQ(fast_stats(f).fast[OUT], 1);
	ASSERT_EQ(fast_stats(f).fast[IN], 1);
}

/* Zero the per-CPU counters at KEY of MAP_FD (SIZE bytes per CPU). */
static void percpu_zero(int map_fd, __u32 key, size_t size)
{
	int ncpu = libbpf_num_possible_cpus();
	void *zero = calloc(ncpu, size);

	if (!zero || bpf_map_update_elem(map_fd, &key, zero, BPF_ANY))
		runner_fail(__FILE__, __LINE__, "zero counters: %s", strerror(errno));
	free(zero);
}

/* Builders of frames the fast path must leave to the host. */
static void ttl_1(struct fast *f, struct pkt *p)
{
	*p = c_udp(f, NAT_REM, 53, 21);
	ttl_set(p, 1);
}

static void over_mtu(struct fast *f, struct pkt *p)
{
	*p = c_udp(f, NAT_REM2, 53, 1300);	/* 1328 bytes, route MTU 1280 */
}

static void unreachable(struct fast *f, struct pkt *p)
{
	*p = c_udp(f, UNREACH, 53, 21);
}

static void to_host(struct fast *f, struct pkt *p)
{
	*p = c_udp(f, NAT_EXT, 53, 21);
}

static void ip_options(struct fast *f, struct pkt *p)
{
	__u8 *ip;

	*p = c_udp(f, NAT_REM, 53, 21);
	ip = p->data + p->l3;
	/* Four NOPs after the header: IHL 6, the UDP checksum untouched. */
	memmove(ip + 24, ip + 20, p->len - p->l3 - 20);
	memset(ip + 20, 1, 4);
	p->len += 4;
	ip[0] = 0x46;
	ip[3] += 4;
	ip[10] = ip[11] = 0;
	*(__u16 *)(ip + 10) = pkt_csum16(ip, 24);
}

static void unknown_fragment(struct fast *f, struct pkt *p)
{
	__u8 data[1000];
	size_t len = udp_datagram(data, NAT_IN1, NAT_REM, 5000, 53, 600);

	pkt_eth(p, f->gw_mac, MAC_A);
	pkt_frag(p, NAT_IN1, NAT_REM, IPPROTO_UDP, 77, data, len, 304, len - 304);
}

static void icmp_error(struct fast *f, struct pkt *p)
{
	struct pkt q;

	pkt_eth(&q, MAC_A, f->gw_mac);
	pkt_udp4(&q, NAT_REM, NAT_IN1, 53, 5000, 21);
	pkt_eth(p, f->gw_mac, MAC_A);
	pkt_icmp_error(p, NAT_IN1, NAT_REM, 3, 3, 0, &q, 28);
}

/* The rule masquerades out of ut3; the host routes by ut0. */
static void rule_elsewhere(struct fast *f, struct pkt *p)
{
	struct sl_nat_rule rule;
	__u32 slot = 0;

	*p = c_udp(f, NAT_REM, 53, 21);
	if (bpf_map_lookup_elem(f->n->rules, &slot, &rule))
		runner_fail(__FILE__, __LINE__, "sl_nat_rules: %s", strerror(errno));
	rule.out_ifindex = sw_ifindex(3);
	if (bpf_map_update_elem(f->n->rules, &slot, &rule, BPF_ANY))
		runner_fail(__FILE__, __LINE__, "sl_nat_rules: %s", strerror(errno));
}

/* One fixture for the table (loading it is most of a test's time in the TCG guest). */
TEST(nat_fast_out_exceptions_left_to_host_by_reason)
{
	static const struct {
		const char *name;
		void (*build)(struct fast *f, struct pkt *p);
		enum sl_nat_slow why;
	} cases[] = {
		{ "TTL 1", ttl_1, SL_NAT_SLOW_TTL },
		{ "over the route's MTU", over_mtu, SL_NAT_SLOW_MTU },
		{ "unreachable route", unreachable, SL_NAT_SLOW_FIB },
		{ "the host's address", to_host, SL_NAT_SLOW_NOT_FWDED },
		{ "IP options", ip_options, SL_NAT_SLOW_OPTIONS },
		{ "fragment of an unknown datagram", unknown_fragment, SL_NAT_SLOW_FRAG },
		{ "ICMP error", icmp_error, SL_NAT_SLOW_ICMP_ERROR },
		{ "route out of a device without a rule", rule_elsewhere, SL_NAT_SLOW_NO_RULE },
	};
	struct fast *f = fast_open();
	char where[96];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pkt p;
		struct run r;

		percpu_zero(f->fstats, 0, sizeof(struct sl_nat_fast_stats));
		percpu_zero(f->sw->stats, 3, sizeof(struct sl_port_stats));	/* port 2's slot */
		cases[i].build(f, &p);
		r = sw_run_tc(f->sw, 1, &p);
		snprintf(where, sizeof(where), "%s (%s)", __FILE__, cases[i].name);
		check_to_gateway(f, &r, &p, 1, where, __LINE__);
		check_slow(f, OUT, cases[i].why, 1, where, __LINE__);
		if (fast_stats(f).fast[OUT] || nat_stats(f->n).flows)
			runner_fail(where, __LINE__, "the fast path translated it");
	}
}

/* An outbound frame that must take the host's path for WHY, on a fresh fixture. */
static void check_out_slow(struct fast *f, const struct pkt *p, int why, const char *file, int line)
{
	struct run r = sw_run_tc(f->sw, 1, p);

	check_to_gateway(f, &r, p, 1, file, line);
	check_slow(f, OUT, why, 1, file, line);
	if (fast_stats(f).fast[OUT] || nat_stats(f->n).flows)
		runner_fail(file, line, "the fast path translated it");
}
#define ASSERT_OUT_SLOW(f, p, why) check_out_slow(f, &(p), why, __FILE__, __LINE__)

TEST(nat_fast_off_leaves_both_directions_to_host)
{
	struct fast *f = fast_open();
	struct pkt p = c_udp(f, NAT_REM, 53, 21), reply;
	struct run r;

	nat_rule_ports(f->n, SL_NAT_PORT_LO, SL_NAT_PORT_HI, SL_NAT_F_SLOWPATH);
	ASSERT_OUT_SLOW(f, p, SL_NAT_SLOW_OFF);
	nat_out(f->n, &p);	/* the host routed it: the uplink hook translates */
	pkt_eth(&reply, f->up_mac, MAC_C);
	pkt_udp4(&reply, NAT_REM, NAT_EXT, 53, 5000, 21);
	r = nat_in(f->n, &reply);
	ASSERT_EQ(r.ret, TC_ACT_UNSPEC);
	ASSERT_EQ(frame_daddr(r.out), NAT_IN1);
	ASSERT_SLOW(f, IN, SL_NAT_SLOW_OFF);
	ASSERT_EQ(fast_stats(f).fast[IN], 0);
}

TEST(nat_fast_in_unknown_neighbour_left_to_host)
{
	struct fast *f = fast_open();
	struct pkt p, reply;
	struct run r;

	/* NAT_IN2 never talked to the host: its MAC is the host's to resolve. */
	pkt_eth(&p, f->gw_mac, MAC_B);
	pkt_udp4(&p, NAT_IN2, NAT_REM, 5000, 53, 21);
	sw_run_tc(f->sw, 1, &p);
	ASSERT_EQ(fast_stats(f).fast[OUT], 1);
	pkt_eth(&reply, f->up_mac, MAC_C);
	pkt_udp4(&reply, NAT_REM, NAT_EXT, 53, 5000, 21);
	r = nat_in(f->n, &reply);
	ASSERT_EQ(r.ret, TC_ACT_UNSPEC);
	ASSERT_EQ(frame_daddr(r.out), NAT_IN2);
	ASSERT_SLOW(f, IN, SL_NAT_SLOW_NO_NEIGH);
}

TEST(nat_fast_in_ttl_1_left_to_host)
{
	struct fast *f = fast_open();
	struct pkt p = c_udp(f, NAT_REM, 53, 21), reply;
	struct run r;

	sw_run_tc(f->sw, 1, &p);
	pkt_eth(&reply, f->up_mac, MAC_C);
	pkt_udp4(&reply, NAT_REM, NAT_EXT, 53, 5000, 21);
	ttl_set(&reply, 1);
	r = nat_in(f->n, &reply);
	ASSERT_EQ(r.ret, TC_ACT_UNSPEC);
	ASSERT_EQ(frame_daddr(r.out), NAT_IN1);
	ASSERT_SLOW(f, IN, SL_NAT_SLOW_TTL);
}

TEST(nat_fast_empty_slot_switches_to_gateway)
{
	struct fast *f = fast_open();
	struct pkt p = c_udp(f, NAT_REM, 53, 21);
	__u32 slot = SL_NAT_FAST_OUT;
	struct run r;

	ASSERT_OK(bpf_map_delete_elem(bpf_map__fd(f->sw->tc->maps.sl_gw_prog), &slot));
	r = sw_run_tc(f->sw, 1, &p);
	ASSERT_TO_GATEWAY(f, r, p);
	ASSERT_NO_SLOW(f, OUT);
	ASSERT_EQ(nat_stats(f->n).flows, 0);
}

/* Everything in the ring now; the last event with step STEP copied to OUT. */
static int ev_take(void *ctx, void *data, size_t size)
{
	struct sl_event *out = ctx;
	const struct sl_event *e = data;

	if (size >= sizeof(*e) && e->type == SL_EV_TRACE && e->code == out->code)
		*out = *e;
	return 0;
}

static struct sl_event ev_last(struct fast *f, __u8 step)
{
	struct sl_event e = { .code = step };
	struct ring_buffer *rb = ring_buffer__new(bpf_map__fd(f->n->skel->maps.sl_events), ev_take,
						  &e, NULL);

	if (!rb)
		runner_fail(__FILE__, __LINE__, "ring_buffer__new: %s", strerror(errno));
	ring_buffer__consume(rb);
	ring_buffer__free(rb);
	return e;
}

static const char *ev_name(void *ctx, uint32_t key, char buf[32])
{
	snprintf(buf, 32, "if%u", key);
	return buf;
}

/* `monitor trace` tells the fast path from the host's: a "fastpath" trace each way, with
 * the device it went to; none while traces are off. */
TEST(nat_fast_events_trace_fastpath_out_and_in)
{
	struct fast *f = fast_open();
	struct pkt p = c_udp(f, NAT_REM, 53, 21), reply;
	struct sl_ev_cfg on = { .mask = 1u << SL_EV_TRACE };
	struct ev_names names = { .port = ev_name, .sw = ev_name };
	struct sl_event e;
	char line[512], want[64];
	__u32 zero = 0;

	ASSERT_EQ(sw_run_tc(f->sw, 1, &p).ret, TC_ACT_REDIRECT);
	ASSERT_EQ(ev_last(f, SL_EV_TR_FASTPATH).ts, 0);		/* off: nothing */
	ASSERT_OK(bpf_map_update_elem(bpf_map__fd(f->n->skel->maps.sl_ev_cfg), &zero, &on, BPF_ANY));
	ASSERT_EQ(sw_run_tc(f->sw, 1, &p).ret, TC_ACT_REDIRECT);
	e = ev_last(f, SL_EV_TR_FASTPATH);
	ASSERT_TRUE(e.ts > 0);
	ASSERT_EQ(e.hook, SL_EV_HOOK_TC);
	ASSERT_EQ(e.ifindex, sw_ifindex(1));
	ASSERT_EQ(e.aux, nl_link_index("ut0"));
	ASSERT_EQ(e.flags & SL_EV_F_REPLY, 0);
	ASSERT_EQ(e.saddr, NAT_IN1);	/* the tuple before translation */
	ASSERT_EQ(frame_saddr(e.data), NAT_EXT);	/* the frame as sent */
	ev_format_text(&e, &names, 0, line, sizeof(line));
	snprintf(want, sizeof(want), "trace fastpath port if%u out to if%u", sw_ifindex(1), e.aux);
	ASSERT_TRUE(strstr(line, want) != NULL);

	pkt_eth(&reply, f->up_mac, MAC_C);
	pkt_udp4(&reply, NAT_REM, NAT_EXT, 53, 5000, 30);
	ASSERT_EQ(nat_in(f->n, &reply).ret, TC_ACT_REDIRECT);
	e = ev_last(f, SL_EV_TR_FASTPATH);
	ASSERT_EQ(e.hook, SL_EV_HOOK_NAT_INGRESS);
	ASSERT_EQ(e.ifindex, f->n->uplink);
	ASSERT_EQ(e.aux, sw_ifindex(1));
	ASSERT_TRUE(e.flags & SL_EV_F_REPLY);
	ASSERT_EQ(e.daddr, NAT_EXT);
	ASSERT_EQ(frame_daddr(e.data), NAT_IN1);
	ASSERT_EQ(fast_stats(f).fast[OUT], 2);
	ASSERT_EQ(fast_stats(f).fast[IN], 1);
	ev_format_text(&e, &names, 0, line, sizeof(line));
	ASSERT_TRUE(strstr(line, "fastpath") && strstr(line, " in to "));
}
