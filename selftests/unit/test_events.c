// SPDX-License-Identifier: MIT
/* Events out of the switch programs: none while sl_ev_cfg is off; on, the right record
 * (type, reason, port, VLAN, the frame's bytes); a full ring loses events, counted, and the
 * verdicts stay the same. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "fixture.h"
#include "nat_fixture.h"
#include "nat_tc.skel.h"
#include "switch_tc.skel.h"
#include "switch_xdp.skel.h"
#include "ev_inject.skel.h"
#include "sluice_event.h"
#include "sluice_nat.h"

#define EV_MAX	8

struct ev_sink {
	struct sl_event ev[EV_MAX];
	int n, total;
};

static int ev_collect(void *ctx, void *data, size_t size)
{
	struct ev_sink *s = ctx;

	if (s->n < EV_MAX && size >= sizeof(struct sl_event))
		memcpy(&s->ev[s->n++], data, sizeof(struct sl_event));
	s->total++;
	return 0;
}

static void ev_mask(struct sw *sw, __u32 mask)
{
	struct sl_ev_cfg cfg = { .mask = mask };
	__u32 zero = 0;

	if (bpf_map_update_elem(bpf_map__fd(sw->tc->maps.sl_ev_cfg), &zero, &cfg, BPF_ANY))
		runner_fail(__FILE__, __LINE__, "sl_ev_cfg: %s", strerror(errno));
}

/* Everything in the ring RING_FD now, in order. */
static struct ev_sink ev_drain_fd(int ring_fd)
{
	struct ev_sink s = {};
	struct ring_buffer *rb = ring_buffer__new(ring_fd, ev_collect, &s, NULL);

	if (!rb)
		runner_fail(__FILE__, __LINE__, "ring_buffer__new: %s", strerror(errno));
	ring_buffer__consume(rb);
	ring_buffer__free(rb);
	return s;
}

static struct ev_sink ev_drain(struct sw *sw)
{
	return ev_drain_fd(bpf_map__fd(sw->tc->maps.sl_events));
}

static __u64 ev_lost(struct sw *sw)
{
	__u64 sum = 0;

	if (percpu_sum(bpf_map__fd(sw->tc->maps.sl_ev_lost), 0, &sum, sizeof(sum)))
		runner_fail(__FILE__, __LINE__, "sl_ev_lost: %s", strerror(errno));
	return sum;
}

/* Port 0 and 1 access VLAN 1, port 0 guarded as MAC_A/IP_A. */
static struct sw *ev_ports(void)
{
	struct sw *sw = sw_open();

	PORT(sw, 0, .pvid = 1, .flags = SL_PORT_F_SPOOFCHK, .mac = MAC_A, .ip = IP_A);
	PORT(sw, 1, .pvid = 1);
	return sw;
}

static struct pkt tagged_frame(void)
{
	struct pkt p;

	pkt_eth(&p, MAC_B, MAC_A);
	pkt_vlan(&p, ETH_P_8021Q, 10);
	pkt_udp4(&p, IP_A, IP_B, 1111, 2222, 30);
	return p;
}

TEST(events_off_leave_the_ring_empty)
{
	struct sw *sw = ev_ports();
	struct pkt p = tagged_frame(), spoof;

	pkt_eth(&spoof, MAC_B, MAC_C);
	pkt_udp4(&spoof, IP_A, IP_B, 1, 2, 10);
	ASSERT_EQ(sw_run_tc(sw, 0, &p).ret, TC_ACT_SHOT);
	ASSERT_EQ(sw_run_xdp(sw, 0, &p).ret, XDP_DROP);
	ASSERT_EQ(sw_run_tc(sw, 0, &spoof).ret, TC_ACT_SHOT);
	ASSERT_EQ(sw_stats(sw, 0).drops[SL_DROP_VLAN_TAGGED_ON_ACCESS], 2);
	ASSERT_EQ(sw_stats(sw, 0).drops[SL_DROP_SPOOF_MAC], 1);
	ASSERT_EQ(ev_drain(sw).total, 0);
	ASSERT_EQ(ev_lost(sw), 0);
}

TEST(events_drop_record_names_reason_port_vlan_and_frame)
{
	struct sw *sw = ev_ports();
	struct pkt p = tagged_frame();
	struct ev_sink s;
	const struct sl_event *e;

	ev_mask(sw, 1u << SL_EV_DROP);
	ASSERT_EQ(sw_run_tc(sw, 0, &p).ret, TC_ACT_SHOT);
	ASSERT_EQ(sw_run_xdp(sw, 0, &p).ret, XDP_DROP);
	s = ev_drain(sw);
	ASSERT_EQ(s.total, 2);
	for (int i = 0; i < 2; i++) {
		e = &s.ev[i];
		ASSERT_EQ(e->type, SL_EV_DROP);
		ASSERT_EQ(e->source, SL_EV_SRC_SWITCH);
		ASSERT_EQ(e->code, SL_DROP_VLAN_TAGGED_ON_ACCESS);
		ASSERT_EQ(e->hook, i == 0 ? SL_EV_HOOK_TC : SL_EV_HOOK_XDP);
		ASSERT_EQ(e->ifindex, sw_ifindex(0));
		ASSERT_EQ(e->switch_id, 1);
		ASSERT_EQ(e->vid, 10);
		ASSERT_TRUE(e->flags & SL_EV_F_TAGGED);
		ASSERT_EQ(e->pkt_len, p.len);
		ASSERT_EQ(e->cap_len, p.len);	/* under SL_EV_SNAP: all of it */
		ASSERT_MEM_EQ(e->data, e->cap_len, p.data, p.len);
		ASSERT_TRUE(e->ts > 0);
	}
}

TEST(events_snap_the_first_bytes_of_a_long_frame)
{
	struct sw *sw = ev_ports();
	struct pkt p;
	struct ev_sink s;

	pkt_eth(&p, MAC_B, MAC_C);	/* spoofed source MAC */
	pkt_udp4(&p, IP_A, IP_B, 1, 2, 1000);
	ev_mask(sw, 1u << SL_EV_DROP);
	ASSERT_EQ(sw_run_tc(sw, 0, &p).ret, TC_ACT_SHOT);
	s = ev_drain(sw);
	ASSERT_EQ(s.total, 1);
	ASSERT_EQ(s.ev[0].code, SL_DROP_SPOOF_MAC);
	ASSERT_EQ(s.ev[0].vid, 1);
	ASSERT_EQ(s.ev[0].pkt_len, p.len);
	ASSERT_EQ(s.ev[0].cap_len, SL_EV_SNAP);
	ASSERT_MEM_EQ(s.ev[0].data, SL_EV_SNAP, p.data, SL_EV_SNAP);
}

TEST(events_types_are_switched_separately)
{
	struct sw *sw = ev_ports();
	struct pkt p = tagged_frame(), good;
	struct ev_sink s;

	pkt_eth(&good, MAC_B, MAC_A);
	pkt_udp4(&good, IP_A, IP_B, 1, 2, 10);
	sw_fdb_add(sw, 1, 1, MAC_B, 1);
	ev_mask(sw, 1u << SL_EV_TRACE);		/* trace only: the drop says nothing */
	ASSERT_EQ(sw_run_tc(sw, 0, &p).ret, TC_ACT_SHOT);
	ASSERT_EQ(ev_drain(sw).total, 0);
	ASSERT_EQ(sw_run_tc(sw, 0, &good).ret, TC_ACT_REDIRECT);
	s = ev_drain(sw);
	ASSERT_EQ(s.total, 2);
	ASSERT_EQ(s.ev[0].code, SL_EV_TR_LEARNED);
	ASSERT_MEM_EQ(s.ev[0].data, 6, MAC_A, 6);
	ASSERT_EQ(s.ev[0].ifindex, sw_ifindex(0));
	ASSERT_EQ(s.ev[1].type, SL_EV_TRACE);
	ASSERT_EQ(s.ev[1].code, SL_EV_TR_UNICAST);
	ASSERT_EQ(s.ev[1].aux, sw_ifindex(1));
	ASSERT_EQ(s.ev[1].vid, 1);
}

/* Nobody reads: the ring fills, the rest are counted lost, every frame is still dropped. */
TEST(events_full_ring_loses_events_and_counts_them)
{
	struct sw *sw = ev_ports();
	struct pkt p = tagged_frame();
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = p.data, .data_size_in = p.len,
		    .repeat = 8000);
	struct __sk_buff ctx = { .ifindex = sw_ifindex(0) };
	__u64 cap = SL_EV_RING_BYTES / (sizeof(struct sl_event) + 8);	/* 8-byte record header */
	struct ev_sink s;

	opts.ctx_in = &ctx;
	opts.ctx_size_in = sizeof(ctx);
	ev_mask(sw, 1u << SL_EV_DROP);
	ASSERT_EQ(bpf_prog_test_run_opts(bpf_program__fd(sw->tc->progs.sl_tc_ingress), &opts), 0);
	ASSERT_EQ(opts.retval, TC_ACT_SHOT);
	ASSERT_DROPS(sw, 0, SL_DROP_VLAN_TAGGED_ON_ACCESS, 8000);
	s = ev_drain(sw);
	ASSERT_EQ(s.total + ev_lost(sw), 8000);
	ASSERT_IN_RANGE(s.total, cap - 1, cap);
}

static void inject_close(void *skel)
{
	ev_inject__destroy(skel);
}

/* The daemon's way in: an event handed to sl_ev_inject lands in the ring only when its type
 * is switched on, stamped now. */
TEST(events_injected_by_userspace_obey_the_switch)
{
	struct ev_inject *inj = ev_inject__open();
	struct sl_event in = { .type = SL_EV_NAT, .source = SL_EV_SRC_CONN,
			       .code = SL_EV_CONN_EXPIRED, .hook = SL_EV_HOOK_DAEMON,
			       .saddr = IP_A, .daddr = IP_B, .sport = htons(1000),
			       .dport = htons(53), .proto = 17, .aux = SL_NAT_ST_UDP };
	LIBBPF_OPTS(bpf_test_run_opts, run, .ctx_in = &in, .ctx_size_in = sizeof(in));
	struct ev_sink s = {};
	struct ring_buffer *rb;
	struct bpf_map *m;
	struct sl_ev_cfg on = { .mask = 1u << SL_EV_NAT };
	__u32 zero = 0;
	int prog;

	ASSERT_TRUE(inj);
	runner_defer(inject_close, inj);
	bpf_object__for_each_map(m, inj->obj)
		bpf_map__set_pin_path(m, NULL);
	ASSERT_EQ(ev_inject__load(inj), 0);
	prog = bpf_program__fd(inj->progs.sl_ev_inject);
	ASSERT_EQ(bpf_prog_test_run_opts(prog, &run), 0);
	ASSERT_EQ(run.retval, 0);		/* off: nothing */
	ASSERT_EQ(bpf_map_update_elem(bpf_map__fd(inj->maps.sl_ev_cfg), &zero, &on, BPF_ANY), 0);
	ASSERT_EQ(bpf_prog_test_run_opts(prog, &run), 0);
	ASSERT_EQ(run.retval, 1);
	rb = ring_buffer__new(bpf_map__fd(inj->maps.sl_events), ev_collect, &s, NULL);
	ASSERT_TRUE(rb);
	ring_buffer__consume(rb);
	ring_buffer__free(rb);
	ASSERT_EQ(s.total, 1);
	ASSERT_EQ(s.ev[0].code, SL_EV_CONN_EXPIRED);
	ASSERT_EQ(s.ev[0].saddr, IP_A);
	ASSERT_EQ(s.ev[0].aux, SL_NAT_ST_UDP);
	ASSERT_TRUE(s.ev[0].ts > 0);
}

static void nat_ev_mask(struct nat *n, __u32 mask)
{
	struct sl_ev_cfg cfg = { .mask = mask };
	__u32 zero = 0;

	if (bpf_map_update_elem(bpf_map__fd(n->skel->maps.sl_ev_cfg), &zero, &cfg, BPF_ANY))
		runner_fail(__FILE__, __LINE__, "sl_ev_cfg: %s", strerror(errno));
}

static struct pkt nat_udp(__u32 s, __u16 sp, __u32 d, __u16 dp)
{
	struct pkt p;

	pkt_eth(&p, MAC_B, MAC_A);
	pkt_udp4(&p, s, d, sp, dp, 21);
	return p;
}

/* A new UDP connection out: "new" with its tuple and external endpoint, then "snat"
 * carrying the translated frame; the reply says "dnat" but does not make it "assured":
 * UDP becomes a stream only after a reply and 2 s (nf_conntrack's rule). */
TEST(events_nat_new_snat_assured_dnat)
{
	struct nat *n = nat_open();
	struct pkt out = nat_udp(NAT_IN1, 1000, NAT_REM, 53), back;
	int ring = bpf_map__fd(n->skel->maps.sl_events);
	struct run r;
	struct ev_sink s;

	nat_ev_mask(n, 1u << SL_EV_NAT | 1u << SL_EV_TRACE);
	r = nat_out(n, &out);
	s = ev_drain_fd(ring);
	ASSERT_EQ(s.total, 2);
	ASSERT_EQ(s.ev[0].type, SL_EV_NAT);
	ASSERT_EQ(s.ev[0].code, SL_EV_CONN_NEW);
	ASSERT_EQ(s.ev[0].saddr, NAT_IN1);
	ASSERT_EQ(s.ev[0].daddr, NAT_REM);
	ASSERT_EQ(ntohs(s.ev[0].sport), 1000);
	ASSERT_EQ(s.ev[0].x_addr, NAT_EXT);
	ASSERT_EQ(s.ev[0].aux, SL_NAT_ST_UDP);
	ASSERT_EQ(s.ev[1].code, SL_EV_TR_SNAT);
	ASSERT_EQ(s.ev[1].x_addr, NAT_EXT);
	ASSERT_EQ(s.ev[1].ifindex, n->uplink);
	ASSERT_MEM_EQ(s.ev[1].data, s.ev[1].cap_len, r.out, r.len);	/* the translated frame */
	back = nat_udp(NAT_REM, 53, NAT_EXT, ntohs(s.ev[0].x_port));
	nat_in(n, &back);
	s = ev_drain_fd(ring);
	ASSERT_EQ(s.total, 1);
	ASSERT_EQ(s.ev[0].code, SL_EV_TR_DNAT);
	ASSERT_EQ(s.ev[0].x_addr, NAT_IN1);
}

/* A NAT drop carries its reason from the NAT's table; drops alone are switched on. */
TEST(events_nat_drop_names_the_nat_reason)
{
	struct nat *n = nat_open();
	struct pkt p = nat_udp(NAT_IN1, 1000, NAT_REM, 53);
	struct ev_sink s;

	p.data[p.l3 + 9] = 47;			/* GRE: not translated */
	pkt_refresh_csums(&p);
	nat_ev_mask(n, 1u << SL_EV_DROP);
	ASSERT_EQ(nat_out(n, &p).ret, TC_ACT_SHOT);
	ASSERT_NAT_DROPS(n, SL_NAT_DROP_PROTO, 1);
	s = ev_drain_fd(bpf_map__fd(n->skel->maps.sl_events));
	ASSERT_EQ(s.total, 1);
	ASSERT_EQ(s.ev[0].type, SL_EV_DROP);
	ASSERT_EQ(s.ev[0].source, SL_EV_SRC_NAT);
	ASSERT_EQ(s.ev[0].code, SL_NAT_DROP_PROTO);
	ASSERT_EQ(s.ev[0].saddr, NAT_IN1);
	ASSERT_EQ(s.ev[0].proto, 47);
	ASSERT_MEM_EQ(s.ev[0].data, s.ev[0].cap_len, p.data, p.len);
}
