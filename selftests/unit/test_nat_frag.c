// SPDX-License-Identifier: MIT
/* Fragments in any order: a later fragment that comes before its first is handed to the
 * daemon (a perf event carrying the frame) while a daemon's heartbeat is fresh, the first
 * fragment releases it, bounds refuse the excess, and without a daemon nothing changes. */
#include <errno.h>
#include <time.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <netinet/in.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "nat_fixture.h"
#include "nat_tc.skel.h"

#define PASS	TC_ACT_UNSPEC
#define NEVS	128
#define HELD	TC_ACT_SHOT	/* taken off the wire for the daemon; no NAT drop counted */

/* What the "daemon" of a test saw: each sample's header and frame length. */
struct evs {
	struct perf_buffer *pb;
	int n, lost;
	struct sl_nat_frag_ev ev[NEVS];
	__u8 frame[NEVS][PKT_MAX];
};

static void ev_sample(void *ctx, int cpu, void *data, __u32 size)
{
	struct evs *e = ctx;

	if (e->n >= NEVS || size < sizeof(struct sl_nat_frag_ev))
		return;
	memcpy(&e->ev[e->n], data, sizeof(struct sl_nat_frag_ev));
	if (size > sizeof(struct sl_nat_frag_ev) && e->ev[e->n].len <= PKT_MAX)
		memcpy(e->frame[e->n], (__u8 *)data + sizeof(struct sl_nat_frag_ev),
		       e->ev[e->n].len);
	e->n++;
}

static void ev_lost(void *ctx, int cpu, __u64 cnt)
{
	((struct evs *)ctx)->lost += cnt;
}

static void evs_free(void *arg)
{
	struct evs *e = arg;

	perf_buffer__free(e->pb);
	free(e);
}

static __u64 mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* A daemon's heartbeat AGO_NS old. */
static void heartbeat(struct nat *n, __u64 ago_ns)
{
	struct sl_nat_frag_ctl c = { .heartbeat_ns = mono_ns() - ago_ns };
	__u32 zero = 0;

	if (bpf_map_update_elem(bpf_map__fd(n->skel->maps.sl_nat_frag_ctl), &zero, &c, BPF_ANY))
		runner_fail(__FILE__, __LINE__, "sl_nat_frag_ctl: %s", strerror(errno));
}

/* A listening daemon: heartbeat now and a perf buffer on the event map. */
static struct evs *daemon_on(struct nat *n)
{
	struct evs *e = calloc(1, sizeof(*e));

	if (!e)
		runner_fail(__FILE__, __LINE__, "out of memory");
	e->pb = perf_buffer__new(bpf_map__fd(n->skel->maps.sl_nat_frag_ev), 64, ev_sample,
				 ev_lost, e, NULL);
	if (!e->pb) {
		free(e);
		runner_fail(__FILE__, __LINE__, "perf_buffer__new: %s", strerror(errno));
	}
	runner_defer(evs_free, e);
	heartbeat(n, 0);
	return e;
}

static void evs_read(struct evs *e)
{
	perf_buffer__consume(e->pb);
}

static int held_count(struct nat *n)
{
	int fd = bpf_map__fd(n->skel->maps.sl_nat_frag_held), c = 0;
	struct sl_nat_frag_key k, next;
	bool first = true;

	while (bpf_map_get_next_key(fd, first ? NULL : &k, &next) == 0) {
		first = false;
		k = next;
		c++;
	}
	return c;
}

static __u8 dgram[3008], want_dgram[3008];

/* Fragment OFF of the 3000-byte datagram in DGRAM from S to D with IP ID ID. */
static struct pkt frag(const __u8 *data, __u32 s, __u32 d, __u16 id, size_t off)
{
	size_t len = 3008, fl = len - off < 1480 ? len - off : 1480;
	struct pkt f;

	pkt_eth(&f, MAC_B, MAC_A);
	pkt_frag(&f, s, d, IPPROTO_UDP, id, data, len, off, fl);
	return f;
}

/* Outbound: the last fragment first is held (its frame goes to the daemon whole), the first
 * releases it with the translation; re-injected, it follows its first. */
TEST(nat_frag_early_held_released_by_first_out)
{
	struct nat *n = nat_open();
	struct evs *e = daemon_on(n);
	struct pkt last, first, want;
	struct run r;

	udp_datagram(dgram, NAT_IN1, NAT_REM, 5000, 53, 3000);
	udp_datagram(want_dgram, NAT_EXT, NAT_REM, 5000, 53, 3000);
	last = frag(dgram, NAT_IN1, NAT_REM, 0x77, 2960);
	ASSERT_EQ(nat_out(n, &last).ret, HELD);
	ASSERT_EQ(nat_stats(n).frag_held, 1);
	ASSERT_EQ(held_count(n), 1);
	evs_read(e);
	ASSERT_EQ(e->n, 1);
	ASSERT_EQ(e->ev[0].kind, SL_NAT_FRAG_EV_HOLD);
	ASSERT_EQ(e->ev[0].ifindex, n->uplink);
	ASSERT_EQ(e->ev[0].key.dir, SL_NAT_DIR_ORIG);
	ASSERT_EQ(e->ev[0].key.id, htons(0x77));
	runner_check_mem(__FILE__, __LINE__, "held frame", e->frame[0], e->ev[0].len, last.data,
			 last.len);

	first = frag(dgram, NAT_IN1, NAT_REM, 0x77, 0);
	ASSERT_EQ(nat_out(n, &first).ret, PASS);
	evs_read(e);
	ASSERT_EQ(e->n, 2);
	ASSERT_EQ(e->ev[1].kind, SL_NAT_FRAG_EV_RELEASE);
	ASSERT_EQ(e->ev[1].addr, NAT_EXT);
	ASSERT_EQ(e->ev[1].key.saddr, NAT_IN1);
	ASSERT_EQ(nat_stats(n).frag_released, 1);
	ASSERT_EQ(held_count(n), 0);

	/* What the daemon sends back out of the uplink: translated like any follower. */
	r = nat_out(n, &last);
	want = frag(want_dgram, NAT_EXT, NAT_REM, 0x77, 2960);
	ASSERT_EQ(r.ret, PASS);
	runner_check_mem(__FILE__, __LINE__, "re-injected", r.out, r.len, want.data, want.len);
	ASSERT_EQ(nat_stats(n).fragments, 1);
	ASSERT_NAT_NO_DROPS(n);
}

/* Inbound: a reply's middle fragment before its first is held for the daemon, and the
 * release names the container's address (the daemon translates inbound ones itself). */
TEST(nat_frag_early_held_released_by_first_in)
{
	struct nat *n = nat_open();
	struct evs *e = daemon_on(n);
	struct pkt q = nat_pkt_udp(NAT_IN1, 5000, NAT_REM, 53), mid, first;

	ASSERT_EQ(nat_out(n, &q).ret, PASS);	/* the flow the reply belongs to */
	udp_datagram(dgram, NAT_REM, NAT_EXT, 53, 5000, 3000);
	mid = frag(dgram, NAT_REM, NAT_EXT, 0x99, 1480);
	ASSERT_EQ(nat_in(n, &mid).ret, HELD);
	first = frag(dgram, NAT_REM, NAT_EXT, 0x99, 0);
	ASSERT_EQ(nat_in(n, &first).ret, PASS);
	evs_read(e);
	ASSERT_EQ(e->n, 2);
	ASSERT_EQ(e->ev[0].kind, SL_NAT_FRAG_EV_HOLD);
	ASSERT_EQ(e->ev[0].key.dir, SL_NAT_DIR_REPLY);
	ASSERT_EQ(e->ev[1].kind, SL_NAT_FRAG_EV_RELEASE);
	ASSERT_EQ(e->ev[1].addr, NAT_IN1);
	ASSERT_EQ(nat_stats(n).frag_held, 1);
	ASSERT_EQ(nat_stats(n).frag_released, 1);
	ASSERT_NAT_NO_DROPS(n);
}

/* No daemon (never started, or its heartbeat is stale): today's behaviour, nothing held. */
TEST(nat_frag_without_daemon_is_todays_behaviour)
{
	struct nat *n = nat_open();
	struct pkt f;

	udp_datagram(dgram, NAT_IN1, NAT_REM, 5000, 53, 3000);
	f = frag(dgram, NAT_IN1, NAT_REM, 0x55, 1480);
	ASSERT_EQ(nat_out(n, &f).ret, TC_ACT_SHOT);
	heartbeat(n, SL_NAT_FRAG_ALIVE_NS + 1000000000ULL);
	ASSERT_EQ(nat_out(n, &f).ret, TC_ACT_SHOT);
	ASSERT_NAT_DROPS(n, SL_NAT_DROP_FRAG, 2);
	udp_datagram(dgram, NAT_REM, NAT_EXT, 53, 5000, 3000);
	f = frag(dgram, NAT_REM, NAT_EXT, 0x56, 1480);
	ASSERT_EQ(nat_in(n, &f).ret, PASS);	/* to the host, untranslated, as before */
	ASSERT_EQ(nat_stats(n).frag_held, 0);
	ASSERT_EQ(nat_stats(n).frag_overflow, 0);
	ASSERT_EQ(held_count(n), 0);
}

/* Duplicates are held as they came, up to SL_NAT_FRAG_HOLD_FRAGS per datagram; past it the
 * fragment is refused: counted frag_overflow and dropped as frag_without_first. */
TEST(nat_frag_duplicates_and_per_datagram_bound)
{
	struct nat *n = nat_open();
	struct evs *e = daemon_on(n);
	struct pkt f;

	udp_datagram(dgram, NAT_IN1, NAT_REM, 5000, 53, 3000);
	f = frag(dgram, NAT_IN1, NAT_REM, 0x42, 1480);
	for (int i = 0; i < SL_NAT_FRAG_HOLD_FRAGS; i++) {
		ASSERT_EQ(nat_out(n, &f).ret, HELD);
		if (i % 32 == 31)
			evs_read(e);
	}
	ASSERT_EQ(nat_out(n, &f).ret, TC_ACT_SHOT);
	evs_read(e);
	ASSERT_EQ(e->n + e->lost, SL_NAT_FRAG_HOLD_FRAGS);
	ASSERT_EQ(nat_stats(n).frag_held, SL_NAT_FRAG_HOLD_FRAGS);
	ASSERT_EQ(nat_stats(n).frag_overflow, 1);
	ASSERT_NAT_DROPS(n, SL_NAT_DROP_FRAG, 1);
}

/* A flood of orphans (a new IP ID each) never holds more than SL_NAT_FRAG_HELD_MAX datagrams,
 * and a normal flow still passes during it. */
TEST(nat_frag_orphan_flood_is_bounded)
{
	struct nat *n = nat_open();
	struct evs *e = daemon_on(n);
	struct pkt f, q = nat_pkt_udp(NAT_IN2, 6000, NAT_REM, 53);

	udp_datagram(dgram, NAT_IN1, NAT_REM, 5000, 53, 3000);
	for (int i = 0; i < 2 * SL_NAT_FRAG_HELD_MAX; i++) {
		f = frag(dgram, NAT_IN1, NAT_REM, i, 1480);
		nat_out(n, &f);
		if (i % 32 == 31)
			evs_read(e);
	}
	ASSERT_TRUE(held_count(n) <= SL_NAT_FRAG_HELD_MAX);
	ASSERT_EQ(nat_stats(n).frag_held + nat_stats(n).frag_overflow, 2 * SL_NAT_FRAG_HELD_MAX);
	ASSERT_EQ(nat_out(n, &q).ret, PASS);
	ASSERT_EQ(frame_saddr(nat_out(n, &q).out), NAT_EXT);
}
