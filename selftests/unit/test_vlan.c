// SPDX-License-Identifier: MIT
/* 802.1Q through the XDP hook, where the tag is in the frame data so output bytes
 * are exact: push, pop, pass-through, priority tags and every VLAN drop reason. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include "fixture.h"

#define PCP(p)		((p) << 13)
#define DEI		(1 << 12)

enum { ACCESS10, TRUNK, ACCESS10_B, TRUNK_NATIVE30 };

/* Port ACCESS10 and ACCESS10_B: access VLAN 10; TRUNK: VLANs 10 and 20 tagged, no
 * native VLAN; TRUNK_NATIVE30: VLANs 10 and 20 tagged, 30 untagged. */
static struct sw *vlan_ports(void)
{
	struct sw *sw = sw_open();

	PORT(sw, ACCESS10, .pvid = 10);
	PORT(sw, TRUNK, .mode = SL_MODE_TRUNK, .vids = { 10, 20 });
	PORT(sw, ACCESS10_B, .pvid = 10);
	PORT(sw, TRUNK_NATIVE30, .mode = SL_MODE_TRUNK, .pvid = 30, .vids = { 10, 20 });
	return sw;
}

/* UDP from A to B behind up to two tags (TPID 0 = no tag). */
static struct pkt frame(__u16 tpid1, __u16 tci1, __u16 tpid2, __u16 tci2)
{
	struct pkt p;

	pkt_eth(&p, MAC_B, MAC_A);
	if (tpid1)
		pkt_vlan(&p, tpid1, tci1);
	if (tpid2)
		pkt_vlan(&p, tpid2, tci2);
	pkt_udp4(&p, IP_A, IP_B, 1000, 2000, 26);
	return p;
}

static struct pkt untagged(void)
{
	return frame(0, 0, 0, 0);
}

static struct pkt tagged(__u16 tci)
{
	return frame(ETH_P_8021Q, tci, 0, 0);
}

/* B lives on port DEST in VLAN VID; IN arrives on port FROM and leaves as WANT. */
static void check_forwarded(int from, __u16 vid, int dest, const struct pkt *in,
			    const struct pkt *want)
{
	struct sw *sw = vlan_ports();
	struct run r;

	sw_fdb_add(sw, 1, vid, MAC_B, dest);
	r = sw_run_xdp(sw, from, in);
	ASSERT_EQ(r.ret, XDP_REDIRECT);
	ASSERT_MEM_EQ(r.out, r.len, want->data, want->len);
	ASSERT_CSUM_OK(r.out, r.len);
	ASSERT_EQ(sw_stats(sw, dest).tx_packets, 1);
	ASSERT_EQ(sw_stats(sw, dest).tx_bytes, want->len);
	ASSERT_NO_DROPS(sw, from);
}

static void check_dropped(int from, const struct pkt *in, enum sl_drop why)
{
	struct sw *sw = vlan_ports();
	struct sl_fdb_entry e;

	ASSERT_EQ(sw_run_xdp(sw, from, in).ret, XDP_DROP);
	ASSERT_DROPS(sw, from, why, 1);
	ASSERT_EQ(sw_stats(sw, from).learned, 0);
	for (__u16 vid = 0; vid <= 30; vid += 10)
		ASSERT_FALSE(sw_fdb_get(sw, 1, vid, MAC_A, &e));
}

TEST(access_to_trunk_pushes_tag)
{
	struct pkt in = untagged(), want = tagged(10);

	check_forwarded(ACCESS10, 10, TRUNK, &in, &want);
}

TEST(trunk_to_access_pops_tag)
{
	struct pkt in = tagged(PCP(3) | 10), want = untagged();

	check_forwarded(TRUNK, 10, ACCESS10, &in, &want);
}

TEST(trunk_to_trunk_keeps_tag_with_pcp_and_dei)
{
	struct pkt in = tagged(PCP(5) | DEI | 20);

	check_forwarded(TRUNK, 20, TRUNK_NATIVE30, &in, &in);
}

/* TRUNK carries 30 tagged, TRUNK_NATIVE30 untagged. */
TEST(trunk_to_native_vlan_of_trunk_pops_tag)
{
	struct sw *sw = vlan_ports();
	struct pkt in = tagged(30), want = untagged();
	struct run r;

	PORT(sw, TRUNK, .mode = SL_MODE_TRUNK, .vids = { 10, 20, 30 });
	sw_fdb_add(sw, 1, 30, MAC_B, TRUNK_NATIVE30);
	r = sw_run_xdp(sw, TRUNK, &in);
	ASSERT_EQ(r.ret, XDP_REDIRECT);
	ASSERT_MEM_EQ(r.out, r.len, want.data, want.len);
}

/* VID 0 only carries a priority: the frame belongs to the access VLAN. */
TEST(priority_tag_on_access_port_is_untagged)
{
	struct pkt in = tagged(PCP(6) | 0), want = untagged();

	check_forwarded(ACCESS10, 10, ACCESS10_B, &in, &want);
}

/* A priority tag on a trunk means its native VLAN, which the other trunk tags. */
TEST(priority_tag_on_trunk_is_rewritten_to_native_vid)
{
	struct sw *sw = vlan_ports();
	struct pkt in = tagged(PCP(4) | 0), want = tagged(PCP(4) | 30);
	struct run r;

	PORT(sw, TRUNK, .mode = SL_MODE_TRUNK, .vids = { 10, 20, 30 });
	sw_fdb_add(sw, 1, 30, MAC_B, TRUNK);
	r = sw_run_xdp(sw, TRUNK_NATIVE30, &in);
	ASSERT_EQ(r.ret, XDP_REDIRECT);
	ASSERT_MEM_EQ(r.out, r.len, want.data, want.len);
}

/* Untagged-looking frames on a trunk go on to tc: the tag may be skb metadata,
 * which XDP cannot see (a veth peer keeps an offloaded tag out of band). */
TEST(xdp_hands_untagged_frame_on_trunk_to_tc)
{
	struct sw *sw = vlan_ports();
	struct pkt in = untagged();
	struct sl_fdb_entry e;

	sw_fdb_add(sw, 1, 30, MAC_B, ACCESS10_B);
	ASSERT_EQ(sw_run_xdp(sw, TRUNK_NATIVE30, &in).ret, XDP_PASS);
	ASSERT_EQ(sw_stats(sw, TRUNK_NATIVE30).xdp_pass, 1);
	ASSERT_FALSE(sw_fdb_get(sw, 1, 30, MAC_A, &e));
	ASSERT_EQ(sw_run_xdp(sw, TRUNK, &in).ret, XDP_PASS);
	ASSERT_NO_DROPS(sw, TRUNK);
}

TEST(untagged_on_trunk_takes_native_vlan)
{
	struct sw *sw = vlan_ports();
	struct pkt in = untagged();
	struct sl_fdb_entry e;

	sw_run_tc(sw, TRUNK_NATIVE30, &in);
	ASSERT_TRUE(sw_fdb_get(sw, 1, 30, MAC_A, &e));
	ASSERT_EQ(e.ifindex, sw_ifindex(TRUNK_NATIVE30));
	ASSERT_FALSE(sw_fdb_get(sw, 1, 10, MAC_A, &e));
}

TEST(tagged_frame_learns_in_its_vlan)
{
	struct sw *sw = vlan_ports();
	struct pkt in = tagged(20);
	struct sl_fdb_entry e;

	sw_run_xdp(sw, TRUNK, &in);
	ASSERT_TRUE(sw_fdb_get(sw, 1, 20, MAC_A, &e));
	ASSERT_FALSE(sw_fdb_get(sw, 1, 10, MAC_A, &e));
}

TEST(tagged_frame_on_access_port_is_dropped)
{
	struct pkt in = tagged(10);

	check_dropped(ACCESS10, &in, SL_DROP_VLAN_TAGGED_ON_ACCESS);
}

TEST(vid_not_allowed_on_trunk_is_dropped)
{
	struct pkt in = tagged(30);

	check_dropped(TRUNK, &in, SL_DROP_VLAN_NOT_ALLOWED);
}

TEST(qinq_8021ad_outer_tag_is_dropped)
{
	struct pkt in = frame(ETH_P_8021AD, 10, ETH_P_8021Q, 20);

	check_dropped(TRUNK, &in, SL_DROP_VLAN_QINQ);
}

TEST(single_8021ad_tag_is_dropped)
{
	struct pkt in = frame(ETH_P_8021AD, 10, 0, 0);

	check_dropped(TRUNK, &in, SL_DROP_VLAN_QINQ);
}

TEST(stacked_8021q_tags_are_dropped)
{
	struct pkt in = frame(ETH_P_8021Q, 10, ETH_P_8021Q, 20);

	check_dropped(TRUNK, &in, SL_DROP_VLAN_QINQ);
}

TEST(vid_4095_is_dropped_as_invalid)
{
	struct pkt in = tagged(4095);

	check_dropped(TRUNK, &in, SL_DROP_VLAN_INVALID);
}

TEST(untagged_on_trunk_without_native_vlan_is_dropped)
{
	struct sw *sw = vlan_ports();
	struct pkt in = untagged();

	ASSERT_EQ(sw_run_tc(sw, TRUNK, &in).ret, TC_ACT_SHOT);
	ASSERT_DROPS(sw, TRUNK, SL_DROP_VLAN_UNTAGGED, 1);
	ASSERT_EQ(sw_stats(sw, TRUNK).learned, 0);
}

static struct pkt broadcast(__u16 vid)
{
	struct pkt p;

	pkt_eth(&p, MAC_BCAST, MAC_A);
	pkt_vlan(&p, ETH_P_8021Q, vid);
	pkt_udp4(&p, IP_A, IP_B, 1000, 2000, 26);
	return p;
}

/* Each flood copy leaves every other member of the frame's VLAN, and no one else. */
TEST(tc_flood_reaches_members_of_its_vlan_only)
{
	struct sw *sw = vlan_ports();
	struct pkt bcast10 = broadcast(10), bcast20 = broadcast(20);

	ASSERT_EQ(sw_run_tc(sw, TRUNK, &bcast10).ret, TC_ACT_SHOT);
	ASSERT_EQ(sw_stats(sw, ACCESS10).tx_packets, 1);
	ASSERT_EQ(sw_stats(sw, ACCESS10_B).tx_packets, 1);
	ASSERT_EQ(sw_stats(sw, TRUNK_NATIVE30).tx_packets, 1);
	ASSERT_EQ(sw_run_tc(sw, TRUNK, &bcast20).ret, TC_ACT_SHOT);
	ASSERT_EQ(sw_stats(sw, ACCESS10).tx_packets, 1);
	ASSERT_EQ(sw_stats(sw, ACCESS10_B).tx_packets, 1);
	ASSERT_EQ(sw_stats(sw, TRUNK_NATIVE30).tx_packets, 2);
	ASSERT_EQ(sw_stats(sw, TRUNK).tx_packets, 0);
	ASSERT_EQ(sw_stats(sw, TRUNK).flooded, 2);
	ASSERT_NO_DROPS(sw, TRUNK);
}

/* tc sees test_run's tag in the data too: it pops it the same way. */
TEST(tc_trunk_to_access_pops_tag)
{
	struct sw *sw = vlan_ports();
	struct pkt in = tagged(PCP(3) | 10), want = untagged();
	struct run r;

	sw_fdb_add(sw, 1, 10, MAC_B, ACCESS10);
	r = sw_run_tc(sw, TRUNK, &in);
	ASSERT_EQ(r.ret, TC_ACT_REDIRECT);
	ASSERT_MEM_EQ(r.out, r.len, want.data, want.len);
}
