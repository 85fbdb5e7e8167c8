// SPDX-License-Identifier: MIT
/* The FDB entry's slot and the ARRAY copies of sl_ports (sl_port_slots, sl_port_idx): the
 * fast way to a port's facts, never a way to the wrong port. */
#include <stdio.h>
#include <stdlib.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "fixture.h"
#include "switch_tc.skel.h"
#include "switch_xdp.skel.h"

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

/* Learning stores the port's slot; XDP forwards on it. */
TEST(slots_learned_entry_carries_the_port_slot)
{
	struct sw *sw = three_ports();
	struct pkt from_b = udp_frame(MAC_BCAST, MAC_B), to_b = udp_frame(MAC_B, MAC_A);
	struct sl_fdb_entry e;

	sw_run_xdp(sw, 2, &from_b);
	ASSERT_TRUE(sw_fdb_get(sw, 1, 1, MAC_B, &e));
	ASSERT_EQ(e.ifindex, sw_ifindex(2));
	ASSERT_EQ(SL_FDB_SLOT(e.flags), 3);
	ASSERT_EQ(e.flags & ~SL_FDB_F_SLOT(SL_FDB_SLOT_MASK), 0);	/* nothing else set */
	ASSERT_EQ(sw_run_xdp(sw, 0, &to_b).ret, XDP_REDIRECT);
	ASSERT_EQ(sw_stats(sw, 2).tx_packets, 1);
	ASSERT_EQ(sw_stats(sw, 1).tx_packets, 0);
}

/* Port 1 is deleted and port 3 takes its slot: the entry still naming port 1 with that slot
 * is stale. Neither hook may send the frame to port 3 as unicast: it is unknown (XDP hands
 * it to tc, tc floods it). */
TEST(slots_stale_slot_never_delivers_to_the_port_reusing_it)
{
	struct sw *sw = three_ports();
	struct pkt from_b = udp_frame(MAC_BCAST, MAC_B), to_b = udp_frame(MAC_B, MAC_A);
	struct sl_fdb_entry e;

	sw_run_tc(sw, 1, &from_b);
	ASSERT_TRUE(sw_fdb_get(sw, 1, 1, MAC_B, &e));
	ASSERT_EQ(SL_FDB_SLOT(e.flags), 2);
	sw_port_erase(sw, 1);
	PORT(sw, 3, .pvid = 1, .slot = 2);
	ASSERT_EQ(sw_run_xdp(sw, 0, &to_b).ret, XDP_PASS);
	ASSERT_EQ(sw_stats(sw, 0).xdp_pass, 1);
	ASSERT_EQ(sw_stats(sw, 3).tx_packets, 0);
	ASSERT_EQ(sw_run_tc(sw, 0, &to_b).ret, TC_ACT_SHOT);	/* flooded, not redirected */
	ASSERT_EQ(sw_stats(sw, 0).flooded, 1);
	ASSERT_EQ(sw_stats(sw, 3).tx_packets, 1);	/* its flood copy */
	ASSERT_EQ(sw_stats(sw, 2).tx_packets, 2);	/* B's broadcast, then this flood */
	ASSERT_NO_DROPS(sw, 0);
}

/* The same port back in another slot: the old entry's slot is stale, its ifindex is not, so
 * the frame still reaches it (through sl_ports) and counts in its new slot. */
TEST(slots_port_back_in_another_slot_is_found_by_ifindex)
{
	struct sw *sw = three_ports();
	struct pkt to_b = udp_frame(MAC_B, MAC_A);

	sw_fdb_add(sw, 1, 1, MAC_B, 1);		/* slot 2 */
	sw_port_erase(sw, 1);
	PORT(sw, 1, .pvid = 1, .slot = 9);
	ASSERT_EQ(sw_run_xdp(sw, 0, &to_b).ret, XDP_REDIRECT);
	ASSERT_EQ(sw_run_tc(sw, 0, &to_b).ret, TC_ACT_REDIRECT);
	ASSERT_EQ(sw_stats(sw, 1).tx_packets, 2);
	ASSERT_EQ(sw_stats(sw, 0).flooded, 0);
}

/* A MAC that moves takes the new port's slot with it; frames follow it. */
TEST(slots_moved_mac_takes_the_new_slot)
{
	struct sw *sw = three_ports();
	struct pkt from_a = udp_frame(MAC_BCAST, MAC_A), to_a = udp_frame(MAC_A, MAC_B);
	struct sl_fdb_entry e;

	sw_run_xdp(sw, 0, &from_a);
	ASSERT_EQ(sw_run_xdp(sw, 1, &to_a).ret, XDP_REDIRECT);
	ASSERT_EQ(sw_stats(sw, 0).tx_packets, 1);
	sw_run_xdp(sw, 2, &from_a);
	ASSERT_TRUE(sw_fdb_get(sw, 1, 1, MAC_A, &e));
	ASSERT_EQ(e.ifindex, sw_ifindex(2));
	ASSERT_EQ(SL_FDB_SLOT(e.flags), 3);
	ASSERT_EQ(sw_run_xdp(sw, 1, &to_a).ret, XDP_REDIRECT);
	ASSERT_EQ(sw_stats(sw, 2).tx_packets, 1);
	ASSERT_EQ(sw_stats(sw, 0).tx_packets, 1);	/* nothing more for the old port */
}

/* What an instance made by an older build holds: entries without a slot and ports only in
 * sl_ports. Forwarding and counting are unchanged; learning adds the slot. */
TEST(slots_entries_and_ports_without_copies_still_forward)
{
	struct sw *sw = three_ports();
	struct pkt to_b = udp_frame(MAC_B, MAC_A), from_b = udp_frame(MAC_BCAST, MAC_B);
	struct sl_fdb_entry e = { .ifindex = sw_ifindex(1), .last_seen = now_ns() };
	struct sl_port zero = {};
	__u32 none = 0;

	for (int n = 0; n < 3; n++) {
		__u32 ifx = sw_ifindex(n), slot = n + 1;

		ASSERT_OK(bpf_map_update_elem(sw->idx, &ifx, &none, BPF_ANY));
		ASSERT_OK(bpf_map_update_elem(sw->slots, &slot, &zero, BPF_ANY));
	}
	sw_fdb_put(sw, 1, 1, MAC_B, &e);
	ASSERT_EQ(sw_run_xdp(sw, 0, &to_b).ret, XDP_REDIRECT);
	ASSERT_EQ(sw_stats(sw, 1).tx_packets, 1);
	ASSERT_EQ(sw_stats(sw, 0).rx_packets, 1);
	e.last_seen -= 2 * SL_FDB_REFRESH_NS;
	sw_fdb_put(sw, 1, 1, MAC_B, &e);
	sw_run_tc(sw, 1, &from_b);
	ASSERT_TRUE(sw_fdb_get(sw, 1, 1, MAC_B, &e));
	ASSERT_EQ(SL_FDB_SLOT(e.flags), 2);
}

/* test_run's repeat: every frame of a known-unicast burst is forwarded and counted. With -v
 * it prints the program's mean ns per frame (docs/datapath.md quotes it). */
static void repeat_known_unicast(bool xdp)
{
	struct sw *sw = three_ports();
	struct pkt p = udp_frame(MAC_B, MAC_A);
	struct xdp_md xctx = { .data_end = p.len, .ingress_ifindex = sw_ifindex(0) };
	struct __sk_buff sctx = { .ifindex = sw_ifindex(0) };
	const __u32 n = 200000;
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = p.data, .data_size_in = p.len,
		    .repeat = n);

	opts.ctx_in = xdp ? (void *)&xctx : (void *)&sctx;
	opts.ctx_size_in = xdp ? sizeof(xctx) : sizeof(sctx);
	sw_fdb_add(sw, 1, 1, MAC_A, 0);
	sw_fdb_add(sw, 1, 1, MAC_B, 1);
	ASSERT_OK(bpf_prog_test_run_opts(bpf_program__fd(xdp ? sw->xdp->progs.sl_xdp_ingress :
							  sw->tc->progs.sl_tc_ingress), &opts));
	ASSERT_EQ(opts.retval, xdp ? XDP_REDIRECT : TC_ACT_REDIRECT);
	ASSERT_EQ(sw_stats(sw, 1).tx_packets, n);
	ASSERT_EQ(sw_stats(sw, 0).rx_packets, n);
	ASSERT_NO_DROPS(sw, 0);
	if (runner_verbose())
		fprintf(stderr, "%s known unicast: %u ns per frame\n", xdp ? "xdp" : "tc",
			opts.duration);
}

TEST(slots_xdp_repeated_known_unicast_counts_every_frame)
{
	repeat_known_unicast(true);
}

TEST(slots_tc_repeated_known_unicast_counts_every_frame)
{
	repeat_known_unicast(false);
}
