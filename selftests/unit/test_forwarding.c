// SPDX-License-Identifier: MIT
/* Forwarding through both hooks: learning, known unicast, flooding, hairpin,
 * runts, multicast sources and two switches kept apart. */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <string.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf.h>
#include "fixture.h"

/* Ports 0, 1 and 2: access ports of switch 1, VLAN 1. */
static struct sw *three_ports(void)
{
	struct sw *sw = sw_open();

	for (int n = 0; n < 3; n++)
		PORT(sw, n, .pvid = 1);
	return sw;
}

static struct pkt udp_frame(const __u8 *dst, const __u8 *src)
{
	struct pkt p;

	pkt_eth(&p, dst, src);
	pkt_udp4(&p, IP_A, IP_B, 1000, 2000, 18);
	return p;
}

/* An 802.1Q TPID with the 4-byte tag cut off after two bytes. */
static struct pkt tagged_runt(void)
{
	struct pkt p;

	pkt_eth(&p, MAC_BCAST, MAC_A);
	pkt_raw(&p, ETH_P_8021Q, 2);
	return p;
}

TEST(tc_learning_writes_fdb)
{
	struct sw *sw = three_ports();
	struct pkt p = udp_frame(MAC_BCAST, MAC_A);
	struct sl_fdb_entry e;
	__u64 before = coarse_now_ns();

	sw_run_tc(sw, 0, &p);
	ASSERT_TRUE(sw_fdb_get(sw, 1, 1, MAC_A, &e));
	ASSERT_EQ(e.ifindex, sw_ifindex(0));
	ASSERT_EQ(e.flags, SL_FDB_F_SLOT(1));	/* port 0's slot: forwarding reads it */
	ASSERT_IN_RANGE(e.last_seen, before, now_ns());
	ASSERT_EQ(sw_stats(sw, 0).learned, 1);
}

TEST(xdp_learning_writes_fdb)
{
	struct sw *sw = three_ports();
	struct pkt p = udp_frame(MAC_BCAST, MAC_A);
	struct sl_fdb_entry e;
	__u64 before = coarse_now_ns();

	sw_run_xdp(sw, 1, &p);
	ASSERT_TRUE(sw_fdb_get(sw, 1, 1, MAC_A, &e));
	ASSERT_EQ(e.ifindex, sw_ifindex(1));
	ASSERT_IN_RANGE(e.last_seen, before, now_ns());
	ASSERT_EQ(sw_stats(sw, 1).learned, 1);
}

TEST(learned_mac_moves_to_the_port_it_appears_on)
{
	struct sw *sw = three_ports();
	struct pkt p = udp_frame(MAC_BCAST, MAC_A);
	struct sl_fdb_entry e;

	sw_run_tc(sw, 0, &p);
	sw_run_tc(sw, 2, &p);
	ASSERT_TRUE(sw_fdb_get(sw, 1, 1, MAC_A, &e));
	ASSERT_EQ(e.ifindex, sw_ifindex(2));
}

TEST(learning_restamps_an_entry_at_most_once_a_second)
{
	struct sw *sw = three_ports();
	struct pkt p = udp_frame(MAC_BCAST, MAC_A);
	struct sl_fdb_entry e, first;
	__u64 before;

	sw_run_tc(sw, 0, &p);
	ASSERT_TRUE(sw_fdb_get(sw, 1, 1, MAC_A, &first));
	sw_run_tc(sw, 0, &p);
	ASSERT_TRUE(sw_fdb_get(sw, 1, 1, MAC_A, &e));
	ASSERT_EQ(e.last_seen, first.last_seen);
	e.last_seen -= 2 * SL_FDB_REFRESH_NS;
	sw_fdb_put(sw, 1, 1, MAC_A, &e);
	before = coarse_now_ns();
	sw_run_tc(sw, 0, &p);
	ASSERT_TRUE(sw_fdb_get(sw, 1, 1, MAC_A, &e));
	ASSERT_IN_RANGE(e.last_seen, before, now_ns());
	ASSERT_EQ(sw_stats(sw, 0).learned, 1);	/* a refresh is no new entry */
}

/* The learn cache: a source this port learned on this CPU within the second is not looked up
 * again (a write the caches do not hear of stays as written), until the controller's next
 * FDB change (sl_fdb_gen). */
static cpu_set_t saved_cpus;

static void cpus_restore(void *arg)
{
	(void)arg;
	sched_setaffinity(0, sizeof(saved_cpus), &saved_cpus);
}

/* The cache is per CPU and test runs execute on the caller's: stay on one CPU. */
static void pin_to_this_cpu(void)
{
	cpu_set_t one;

	if (sched_getaffinity(0, sizeof(saved_cpus), &saved_cpus))
		runner_fail(__FILE__, __LINE__, "sched_getaffinity: %s", strerror(errno));
	runner_defer(cpus_restore, NULL);
	CPU_ZERO(&one);
	CPU_SET(sched_getcpu(), &one);
	if (sched_setaffinity(0, sizeof(one), &one))
		runner_fail(__FILE__, __LINE__, "sched_setaffinity: %s", strerror(errno));
}

TEST(learn_cache_skips_a_fresh_source_until_the_fdb_changes)
{
	pin_to_this_cpu();
	struct sw *sw = three_ports();
	struct pkt p = udp_frame(MAC_BCAST, MAC_A);
	struct sl_fdb_entry e;

	sw_run_xdp(sw, 0, &p);
	ASSERT_TRUE(sw_fdb_get(sw, 1, 1, MAC_A, &e));
	e.last_seen -= 2 * SL_FDB_REFRESH_NS;
	sw_fdb_write(sw, 1, 1, MAC_A, &e);	/* no gen bump */
	sw_run_xdp(sw, 0, &p);
	ASSERT_TRUE(sw_fdb_get(sw, 1, 1, MAC_A, &e));
	ASSERT_TRUE(now_ns() - e.last_seen > SL_FDB_REFRESH_NS);	/* skipped: cached */
	sw_fdb_gen_bump(sw);
	sw_run_xdp(sw, 0, &p);
	ASSERT_TRUE(sw_fdb_get(sw, 1, 1, MAC_A, &e));
	ASSERT_TRUE(now_ns() - e.last_seen < SL_FDB_REFRESH_NS);	/* looked up, restamped */
}

/* A MAC that moves away and comes back within the second is learned back at once: the move
 * (by either hook) bumps sl_fdb_gen, so the first port's cached entry no longer counts. */
static void check_move_back(bool xdp_first, bool xdp_second)
{
	struct sw *sw = three_ports();
	struct pkt p = udp_frame(MAC_BCAST, MAC_A);
	struct sl_fdb_entry e;

	xdp_first ? sw_run_xdp(sw, 0, &p) : sw_run_tc(sw, 0, &p);
	xdp_second ? sw_run_xdp(sw, 2, &p) : sw_run_tc(sw, 2, &p);
	ASSERT_TRUE(sw_fdb_get(sw, 1, 1, MAC_A, &e));
	ASSERT_EQ(e.ifindex, sw_ifindex(2));
	xdp_first ? sw_run_xdp(sw, 0, &p) : sw_run_tc(sw, 0, &p);
	ASSERT_TRUE(sw_fdb_get(sw, 1, 1, MAC_A, &e));
	ASSERT_EQ(e.ifindex, sw_ifindex(0));
	ASSERT_EQ(e.flags, SL_FDB_F_SLOT(1));
}

TEST(learn_cache_mac_moved_back_within_a_second_is_relearned_tc)
{
	check_move_back(false, false);
}

TEST(learn_cache_mac_moved_back_within_a_second_is_relearned_xdp_and_tc)
{
	check_move_back(true, false);
}

/* The controller deletes an entry (fdb del, a port's flush, ageing): the next frame of that
 * source learns it again, cache or not. */
TEST(learn_cache_source_relearned_after_the_controller_deletes_it)
{
	struct sw *sw = three_ports();
	struct pkt p = udp_frame(MAC_BCAST, MAC_A);
	struct sl_fdb_entry e;

	sw_run_tc(sw, 0, &p);
	sw_fdb_del(sw, 1, 1, MAC_A);
	sw_run_tc(sw, 0, &p);
	ASSERT_TRUE(sw_fdb_get(sw, 1, 1, MAC_A, &e));
	ASSERT_EQ(e.ifindex, sw_ifindex(0));
	ASSERT_EQ(sw_stats(sw, 0).learned, 2);
}

TEST(static_fdb_entry_is_not_moved_by_learning)
{
	struct sw *sw = three_ports();
	struct pkt p = udp_frame(MAC_BCAST, MAC_A);
	struct sl_fdb_entry e = { .ifindex = sw_ifindex(1), .flags = SL_FDB_F_STATIC };

	sw_fdb_put(sw, 1, 1, MAC_A, &e);
	sw_run_tc(sw, 0, &p);
	ASSERT_TRUE(sw_fdb_get(sw, 1, 1, MAC_A, &e));
	ASSERT_EQ(e.ifindex, sw_ifindex(1));
	ASSERT_EQ(e.last_seen, 0);
}

/* A full table keeps its entries and counts the MAC it could not learn. */
TEST(full_fdb_counts_learn_failed)
{
	struct sw *sw = three_ports();
	struct pkt p = udp_frame(MAC_BCAST, MAC_A);
	struct sl_fdb_entry e = { .ifindex = sw_ifindex(2) };
	__u8 mac[6] = { 0x02, 0xff };

	for (__u32 i = 0; i < SL_FDB_MAX; i++) {
		memcpy(mac + 2, &i, sizeof(i));
		sw_fdb_put(sw, 9, 1, mac, &e);	/* switch 9 has no ports */
	}
	ASSERT_EQ(sw_run_tc(sw, 0, &p).ret, TC_ACT_SHOT);
	ASSERT_FALSE(sw_fdb_get(sw, 1, 1, MAC_A, &e));
	ASSERT_EQ(sw_stats(sw, 0).learn_failed, 1);
	ASSERT_EQ(sw_stats(sw, 0).learned, 0);
	ASSERT_EQ(sw_stats(sw, 1).tx_packets, 1);	/* still forwarded */
}

TEST(learned_mac_becomes_unicast_destination)
{
	struct sw *sw = three_ports();
	struct pkt from_b = udp_frame(MAC_BCAST, MAC_B), to_b = udp_frame(MAC_B, MAC_A);

	sw_run_tc(sw, 1, &from_b);
	ASSERT_EQ(sw_run_tc(sw, 0, &to_b).ret, TC_ACT_REDIRECT);
	ASSERT_EQ(sw_run_xdp(sw, 0, &to_b).ret, XDP_REDIRECT);
}

TEST(tc_known_unicast_is_redirected_to_its_port)
{
	struct sw *sw = three_ports();
	struct pkt p = udp_frame(MAC_B, MAC_A);
	struct run r;

	sw_fdb_add(sw, 1, 1, MAC_B, 1);
	r = sw_run_tc(sw, 0, &p);
	ASSERT_EQ(r.ret, TC_ACT_REDIRECT);
	ASSERT_MEM_EQ(r.out, r.len, p.data, p.len);
	ASSERT_EQ(sw_stats(sw, 1).tx_packets, 1);
	ASSERT_EQ(sw_stats(sw, 1).tx_bytes, p.len);
	ASSERT_EQ(sw_stats(sw, 2).tx_packets, 0);
	ASSERT_EQ(sw_stats(sw, 0).flooded, 0);
	ASSERT_EQ(sw_stats(sw, 0).rx_packets, 1);
	ASSERT_NO_DROPS(sw, 0);
}

TEST(xdp_known_unicast_is_redirected_to_its_port)
{
	struct sw *sw = three_ports();
	struct pkt p = udp_frame(MAC_B, MAC_A);
	struct run r;

	sw_fdb_add(sw, 1, 1, MAC_B, 2);
	r = sw_run_xdp(sw, 0, &p);
	ASSERT_EQ(r.ret, XDP_REDIRECT);
	ASSERT_MEM_EQ(r.out, r.len, p.data, p.len);
	ASSERT_EQ(sw_stats(sw, 2).tx_packets, 1);
	ASSERT_EQ(sw_stats(sw, 2).tx_bytes, p.len);
	ASSERT_EQ(sw_stats(sw, 1).tx_packets, 0);
	ASSERT_EQ(sw_stats(sw, 0).rx_packets, 1);
	ASSERT_EQ(sw_stats(sw, 0).xdp_pass, 0);
	ASSERT_NO_DROPS(sw, 0);
}

/* tc clones a flood to every other member and consumes the original. */
static void check_tc_floods(const __u8 *dst)
{
	struct sw *sw = three_ports();
	struct pkt p = udp_frame(dst, MAC_A);

	ASSERT_EQ(sw_run_tc(sw, 0, &p).ret, TC_ACT_SHOT);
	ASSERT_EQ(sw_stats(sw, 0).flooded, 1);
	ASSERT_EQ(sw_stats(sw, 1).tx_packets, 1);
	ASSERT_EQ(sw_stats(sw, 2).tx_packets, 1);
	ASSERT_EQ(sw_stats(sw, 2).tx_bytes, p.len);
	ASSERT_EQ(sw_stats(sw, 0).tx_packets, 0);	/* never back out of ingress */
	ASSERT_NO_DROPS(sw, 0);
}

TEST(tc_unknown_unicast_floods_to_other_members)
{
	check_tc_floods(MAC_C);
}

TEST(tc_broadcast_floods_to_other_members)
{
	check_tc_floods(MAC_BCAST);
}

TEST(tc_multicast_floods_to_other_members)
{
	check_tc_floods(MAC_MCAST);
}

/* XDP leaves floods to tc. */
static void check_xdp_passes(const __u8 *dst)
{
	struct sw *sw = three_ports();
	struct pkt p = udp_frame(dst, MAC_A);

	ASSERT_EQ(sw_run_xdp(sw, 0, &p).ret, XDP_PASS);
	ASSERT_EQ(sw_stats(sw, 0).xdp_pass, 1);
	ASSERT_EQ(sw_stats(sw, 0).rx_packets, 0);	/* tc counts it */
	ASSERT_EQ(sw_stats(sw, 1).tx_packets, 0);
	ASSERT_NO_DROPS(sw, 0);
}

TEST(xdp_unknown_unicast_passes_to_tc)
{
	check_xdp_passes(MAC_C);
}

TEST(xdp_broadcast_passes_to_tc)
{
	check_xdp_passes(MAC_BCAST);
}

TEST(xdp_unicast_to_port_without_xdp_tx_passes_to_tc)
{
	struct sw *sw = three_ports();
	struct pkt p = udp_frame(MAC_B, MAC_A);

	PORT(sw, 1, .pvid = 1, .tc_only = true);
	sw_fdb_add(sw, 1, 1, MAC_B, 1);
	ASSERT_EQ(sw_run_xdp(sw, 0, &p).ret, XDP_PASS);
	ASSERT_EQ(sw_stats(sw, 0).xdp_pass, 1);
}

TEST(unknown_destination_without_flood_list_is_dropped)
{
	struct sw *sw = three_ports();
	struct sl_flood_key k = { .switch_id = 1, .vid = 1 };
	struct pkt p = udp_frame(MAC_C, MAC_A);

	ASSERT_OK(bpf_map_delete_elem(sw->flood, &k));
	ASSERT_EQ(sw_run_tc(sw, 0, &p).ret, TC_ACT_SHOT);
	ASSERT_DROPS(sw, 0, SL_DROP_NO_FLOOD, 1);
}

static void check_hairpin(bool xdp)
{
	struct sw *sw = three_ports();
	struct pkt p = udp_frame(MAC_B, MAC_A);
	struct run r;

	sw_fdb_add(sw, 1, 1, MAC_B, 0);
	r = xdp ? sw_run_xdp(sw, 0, &p) : sw_run_tc(sw, 0, &p);
	ASSERT_EQ(r.ret, xdp ? XDP_DROP : TC_ACT_SHOT);
	ASSERT_DROPS(sw, 0, SL_DROP_HAIRPIN, 1);
	ASSERT_EQ(sw_stats(sw, 0).tx_packets, 0);
	ASSERT_EQ(sw_stats(sw, 0).flooded, 0);
}

TEST(tc_frame_for_ingress_port_is_dropped_as_hairpin)
{
	check_hairpin(false);
}

TEST(xdp_frame_for_ingress_port_is_dropped_as_hairpin)
{
	check_hairpin(true);
}

TEST(flood_with_only_the_ingress_member_sends_nothing)
{
	struct sw *sw = sw_open();
	struct pkt p = udp_frame(MAC_BCAST, MAC_A);

	PORT(sw, 0, .pvid = 1);
	PORT(sw, 1, .pvid = 2);
	ASSERT_EQ(sw_run_tc(sw, 0, &p).ret, TC_ACT_SHOT);
	ASSERT_EQ(sw_stats(sw, 0).flooded, 1);
	ASSERT_EQ(sw_stats(sw, 0).tx_packets, 0);
	ASSERT_EQ(sw_stats(sw, 1).tx_packets, 0);
}

static void check_runt(bool xdp)
{
	struct sw *sw = three_ports();
	struct pkt p = tagged_runt();
	struct sl_fdb_entry e;
	struct run r;

	r = xdp ? sw_run_xdp(sw, 0, &p) : sw_run_tc(sw, 0, &p);
	ASSERT_EQ(r.ret, xdp ? XDP_DROP : TC_ACT_SHOT);
	ASSERT_DROPS(sw, 0, SL_DROP_RUNT, 1);
	ASSERT_FALSE(sw_fdb_get(sw, 1, 1, MAC_A, &e));
	ASSERT_EQ(sw_stats(sw, 0).learned, 0);
}

TEST(tc_tagged_frame_shorter_than_its_tag_is_runt)
{
	check_runt(false);
}

TEST(xdp_tagged_frame_shorter_than_its_tag_is_runt)
{
	check_runt(true);
}

/* tc cannot be handed a frame under 14 bytes (test_run refuses it), XDP can. */
TEST(xdp_frame_shorter_than_ethernet_is_runt)
{
	struct sw *sw = three_ports();
	struct pkt p = udp_frame(MAC_BCAST, MAC_A);
	struct sl_fdb_entry e;

	ASSERT_EQ(sw_run_xdp_len(sw, 0, &p, ETH_HLEN - 1).ret, XDP_DROP);
	ASSERT_EQ(sw_run_xdp_len(sw, 0, &p, 1).ret, XDP_DROP);
	ASSERT_DROPS(sw, 0, SL_DROP_RUNT, 2);
	ASSERT_FALSE(sw_fdb_get(sw, 1, 1, MAC_A, &e));
	ASSERT_EQ(sw_stats(sw, 0).rx_packets, 2);
	ASSERT_EQ(sw_stats(sw, 0).rx_bytes, ETH_HLEN - 1 + 1);
}

static void check_mcast_source(bool xdp)
{
	struct sw *sw = three_ports();
	struct pkt mc = udp_frame(MAC_B, MAC_MCAST), bc = udp_frame(MAC_B, MAC_BCAST);
	struct sl_fdb_entry e;
	struct run r;

	sw_fdb_add(sw, 1, 1, MAC_B, 1);	/* would be forwarded if admitted */
	r = xdp ? sw_run_xdp(sw, 0, &mc) : sw_run_tc(sw, 0, &mc);
	ASSERT_EQ(r.ret, xdp ? XDP_DROP : TC_ACT_SHOT);
	r = xdp ? sw_run_xdp(sw, 0, &bc) : sw_run_tc(sw, 0, &bc);
	ASSERT_EQ(r.ret, xdp ? XDP_DROP : TC_ACT_SHOT);
	ASSERT_DROPS(sw, 0, SL_DROP_SRC_MCAST, 2);
	ASSERT_FALSE(sw_fdb_get(sw, 1, 1, MAC_MCAST, &e));
	ASSERT_FALSE(sw_fdb_get(sw, 1, 1, MAC_BCAST, &e));
	ASSERT_EQ(sw_stats(sw, 1).tx_packets, 0);
}

TEST(tc_multicast_source_mac_is_dropped_unlearned)
{
	check_mcast_source(false);
}

TEST(xdp_multicast_source_mac_is_dropped_unlearned)
{
	check_mcast_source(true);
}

TEST(frame_on_a_device_that_is_no_port_is_dropped)
{
	struct sw *sw = three_ports();
	struct pkt p = udp_frame(MAC_B, MAC_A);

	ASSERT_EQ(sw_run_tc(sw, 3, &p).ret, TC_ACT_SHOT);
	ASSERT_EQ(sw_run_xdp(sw, 3, &p).ret, XDP_DROP);
	ASSERT_DROPS(sw, -1, SL_DROP_NO_SWITCH, 2);
}

/* Ports 0, 1 in switch 1 and 2, 3 in switch 2, all VLAN 1: A is known only in switch 1. */
TEST(switches_keep_separate_fdbs)
{
	struct sw *sw = sw_open();
	struct pkt from_a = udp_frame(MAC_BCAST, MAC_A), to_a = udp_frame(MAC_A, MAC_C);
	struct sl_fdb_entry e;

	for (int n = 0; n < 4; n++)
		PORT(sw, n, .switch_id = n < 2 ? 1 : 2, .pvid = 1);
	sw_run_tc(sw, 0, &from_a);
	ASSERT_TRUE(sw_fdb_get(sw, 1, 1, MAC_A, &e));
	ASSERT_FALSE(sw_fdb_get(sw, 2, 1, MAC_A, &e));
	ASSERT_EQ(sw_stats(sw, 2).tx_packets, 0);	/* switch 1's flood stays there */
	ASSERT_EQ(sw_run_xdp(sw, 2, &to_a).ret, XDP_PASS);
	ASSERT_EQ(sw_run_tc(sw, 2, &to_a).ret, TC_ACT_SHOT);
	ASSERT_EQ(sw_stats(sw, 2).flooded, 1);
	ASSERT_EQ(sw_stats(sw, 3).tx_packets, 1);
	ASSERT_EQ(sw_stats(sw, 0).tx_packets, 0);
}
