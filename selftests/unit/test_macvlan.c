// SPDX-License-Identifier: MIT
/* Macvlan endpoints (admission and tagging in both directions of the container's device)
 * and the LAN hook of a macvlan parent (redirecting the switch's MACs into its port). */
#include <stdio.h>
#include <net/if.h>
#include <linux/bpf.h>
#include <linux/if_arp.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include "endpoint_tc.skel.h"
#include "lan_tc.skel.h"
#include "mv_fixture.h"

#define PCP(p)		((p) << 13)
#define NO_TAG		(-1)

/* UDP from SRC (IP_A) to DST behind an optional 802.1Q tag (TCI NO_TAG: none). */
static struct pkt udp(const __u8 *dst, const __u8 *src, int tci)
{
	struct pkt p;

	pkt_eth(&p, dst, src);
	if (tci != NO_TAG)
		pkt_vlan(&p, ETH_P_8021Q, tci);
	pkt_udp4(&p, IP_A, IP_B, 1000, 2000, 26);
	return p;
}

static struct pkt untagged(void)
{
	return udp(MAC_B, MAC_A, NO_TAG);
}

static struct pkt tagged(__u16 tci)
{
	return udp(MAC_B, MAC_A, tci);
}

/* The receiver saw WANT's bytes (the stack takes any tag out of the data) and tag TCI. */
static void check_wire(const struct wire *w, const struct pkt *want, int tci)
{
	ASSERT_TRUE(w->seen);
	ASSERT_MEM_EQ(w->data, w->len, want->data, want->len);
	ASSERT_EQ(w->tagged, tci != NO_TAG);
	if (tci != NO_TAG) {
		ASSERT_EQ(w->tpid, ETH_P_8021Q);
		ASSERT_EQ(w->tci, tci);
	}
}

/* ---- endpoints ---- */

/* Endpoints stand in for veths 3 and 4 (slots 4 and 5): no switch port uses them. */
enum { EP = 3, EP2 = 4 };

/* A trunk endpoint as the controller writes one: its native VLAN is in its list. */
#define TRUNK_1_10_20	.mode = SL_MODE_TRUNK, .pvid = 1, .vids = { 1, 10, 20 }

/* IN passes the endpoint's egress, counted, and reaches the wire as WANT with tag TCI.
 * test_run shows the data, where a tag the program pushed never is (skb metadata);
 * the wire shows the tag. The wire runs last: its frame moves the counters again. */
static void check_egress_passed(struct sw *sw, struct ep *ep, const struct pkt *in,
				const struct pkt *want, int tci)
{
	struct run r = mv_ep_egress(ep, in);
	struct wire w;

	ASSERT_EQ(r.ret, TC_ACT_UNSPEC);
	ASSERT_MEM_EQ(r.out, r.len, want->data, want->len);
	ASSERT_EQ(sw_stats(sw, ep->n).rx_packets, 1);
	ASSERT_EQ(sw_stats(sw, ep->n).rx_bytes, in->len);
	ASSERT_EQ(sw_stats(sw, ep->n).tx_packets, 0);
	ASSERT_NO_DROPS(sw, ep->n);
	w = mv_wire(ep->n, ep->skel->progs.sl_ep_egress, in, NULL);
	check_wire(&w, want, tci);
}

static void check_egress_dropped(struct sw *sw, struct ep *ep, const struct pkt *in,
				 enum sl_drop why)
{
	ASSERT_EQ(mv_ep_egress(ep, in).ret, TC_ACT_SHOT);
	ASSERT_EQ(sw_stats(sw, ep->n).rx_packets, 1);
	ASSERT_EQ(sw_stats(sw, ep->n).rx_bytes, in->len);
	ASSERT_EQ(sw_stats(sw, ep->n).tx_packets, 0);
	ASSERT_DROPS(sw, ep->n, why, 1);
}

TEST(ep_egress_access_vlan_is_tagged_for_the_wire)
{
	struct sw *sw = sw_open();
	struct pkt in = untagged();

	check_egress_passed(sw, ENDPOINT(sw, EP, .pvid = 10), &in, &in, 10);
}

/* VLAN 1 is the wire's untagged VLAN. */
TEST(ep_egress_access_vlan_1_stays_untagged)
{
	struct sw *sw = sw_open();
	struct pkt in = untagged();

	check_egress_passed(sw, ENDPOINT(sw, EP, .pvid = 1), &in, &in, NO_TAG);
}

/* A priority tag (VID 0) means the access VLAN; its PCP goes on the wire tag. */
TEST(ep_egress_priority_tag_takes_access_vid_and_keeps_pcp)
{
	struct sw *sw = sw_open();
	struct pkt in = tagged(PCP(5) | 0), want = untagged();

	check_egress_passed(sw, ENDPOINT(sw, EP, .pvid = 10), &in, &want, PCP(5) | 10);
}

TEST(ep_egress_priority_tag_on_vlan_1_is_popped)
{
	struct sw *sw = sw_open();
	struct pkt in = tagged(PCP(5) | 0), want = untagged();

	check_egress_passed(sw, ENDPOINT(sw, EP, .pvid = 1), &in, &want, NO_TAG);
}

TEST(ep_egress_trunk_vlan_keeps_its_tag)
{
	struct sw *sw = sw_open();
	struct pkt in = tagged(PCP(3) | 20), want = untagged();

	check_egress_passed(sw, ENDPOINT(sw, EP, TRUNK_1_10_20), &in, &want, PCP(3) | 20);
}

TEST(ep_egress_trunk_native_vlan_1_stays_untagged)
{
	struct sw *sw = sw_open();
	struct pkt in = untagged();

	check_egress_passed(sw, ENDPOINT(sw, EP, TRUNK_1_10_20), &in, &in, NO_TAG);
}

/* VLAN 1 goes on the wire untagged even when the container tags it. */
TEST(ep_egress_trunk_tagged_vlan_1_is_untagged_for_the_wire)
{
	struct sw *sw = sw_open();
	struct pkt in = tagged(PCP(2) | 1), want = untagged();

	check_egress_passed(sw, ENDPOINT(sw, EP, TRUNK_1_10_20), &in, &want, NO_TAG);
}

TEST(ep_egress_tagged_frame_on_access_is_dropped)
{
	struct sw *sw = sw_open();
	struct pkt in = tagged(10);

	check_egress_dropped(sw, ENDPOINT(sw, EP, .pvid = 10), &in, SL_DROP_VLAN_TAGGED_ON_ACCESS);
}

TEST(ep_egress_trunk_vid_not_allowed_is_dropped)
{
	struct sw *sw = sw_open();
	struct pkt in = tagged(30);

	check_egress_dropped(sw, ENDPOINT(sw, EP, TRUNK_1_10_20), &in, SL_DROP_VLAN_NOT_ALLOWED);
}

TEST(ep_egress_qinq_is_dropped)
{
	struct sw *sw = sw_open();
	struct pkt in;

	pkt_eth(&in, MAC_B, MAC_A);
	pkt_vlan(&in, ETH_P_8021AD, 10);
	pkt_vlan(&in, ETH_P_8021Q, 20);
	pkt_udp4(&in, IP_A, IP_B, 1000, 2000, 26);
	check_egress_dropped(sw, ENDPOINT(sw, EP, TRUNK_1_10_20), &in, SL_DROP_VLAN_QINQ);
}

TEST(ep_egress_vid_4095_is_dropped)
{
	struct sw *sw = sw_open();
	struct pkt in = tagged(4095);

	check_egress_dropped(sw, ENDPOINT(sw, EP, TRUNK_1_10_20), &in, SL_DROP_VLAN_INVALID);
}

TEST(ep_egress_multicast_source_is_dropped)
{
	struct sw *sw = sw_open();
	struct pkt in = udp(MAC_B, MAC_MCAST, NO_TAG);

	check_egress_dropped(sw, ENDPOINT(sw, EP, .pvid = 10), &in, SL_DROP_SRC_MCAST);
}

/* EP may speak only as MAC_A / IP_A. */
static struct ep *guarded(struct sw *sw)
{
	return ENDPOINT(sw, EP, .pvid = 10, .flags = SL_PORT_F_SPOOFCHK, .mac = MAC_A, .ip = IP_A);
}

TEST(ep_egress_spoofed_source_mac_is_dropped)
{
	struct sw *sw = sw_open();
	struct pkt in = udp(MAC_B, MAC_C, NO_TAG);

	check_egress_dropped(sw, guarded(sw), &in, SL_DROP_SPOOF_MAC);
}

TEST(ep_egress_spoofed_source_ip_is_dropped)
{
	struct sw *sw = sw_open();
	struct pkt in;

	pkt_eth(&in, MAC_B, MAC_A);
	pkt_udp4(&in, IP_C, IP_B, 1000, 2000, 26);
	check_egress_dropped(sw, guarded(sw), &in, SL_DROP_SPOOF_IP);
}

TEST(ep_egress_arp_claiming_another_ip_is_dropped)
{
	struct sw *sw = sw_open();
	struct pkt in;

	pkt_eth(&in, MAC_BCAST, MAC_A);
	pkt_arp(&in, ARPOP_REQUEST, MAC_A, IP_C, MAC_ZERO, IP_B);
	check_egress_dropped(sw, guarded(sw), &in, SL_DROP_SPOOF_IP);
}

TEST(ep_egress_own_addresses_pass_spoofchk)
{
	struct sw *sw = sw_open();
	struct ep *ep = guarded(sw);
	struct pkt in = untagged(), arp;

	pkt_eth(&arp, MAC_BCAST, MAC_A);
	pkt_arp(&arp, ARPOP_REQUEST, MAC_A, IP_A, MAC_ZERO, IP_B);
	ASSERT_EQ(mv_ep_egress(ep, &in).ret, TC_ACT_UNSPEC);
	ASSERT_EQ(mv_ep_egress(ep, &arp).ret, TC_ACT_UNSPEC);
	ASSERT_EQ(sw_stats(sw, EP).rx_packets, 2);
	ASSERT_NO_DROPS(sw, EP);
}

/* The program outlived its port: counted under slot 0, like the switch's frames. */
TEST(ep_egress_without_port_is_dropped)
{
	struct sw *sw = sw_open();
	struct ep *ep = mv_endpoint_bare(sw, EP, SL_EP_KEY(EP + 1));
	struct pkt in = untagged();

	ASSERT_EQ(mv_ep_egress(ep, &in).ret, TC_ACT_SHOT);
	ASSERT_EQ(sw_stats(sw, -1).rx_packets, 1);
	ASSERT_DROPS(sw, -1, SL_DROP_NO_SWITCH, 1);
	ASSERT_EQ(sw_stats(sw, EP).rx_packets, 0);
}

/* Each copy's .rodata names its own port: frames of one never count on the other. */
TEST(ep_copies_use_their_own_port)
{
	struct sw *sw = sw_open();
	struct ep *ep = ENDPOINT(sw, EP, .pvid = 10), *ep2 = ENDPOINT(sw, EP2, .pvid = 20);
	struct pkt in = untagged(), t20 = tagged(20);

	ASSERT_EQ(mv_ep_egress(ep, &in).ret, TC_ACT_UNSPEC);
	ASSERT_EQ(mv_ep_ingress(ep2, &t20).ret, TC_ACT_UNSPEC);
	ASSERT_EQ(mv_ep_ingress(ep, &t20).ret, TC_ACT_SHOT);
	ASSERT_EQ(sw_stats(sw, EP).rx_packets, 1);
	ASSERT_EQ(sw_stats(sw, EP).tx_packets, 0);
	ASSERT_DROPS(sw, EP, SL_DROP_VLAN_NOT_ALLOWED, 1);
	ASSERT_EQ(sw_stats(sw, EP2).rx_packets, 0);
	ASSERT_EQ(sw_stats(sw, EP2).tx_packets, 1);
	ASSERT_NO_DROPS(sw, EP2);
}

/* ---- endpoint ingress: wire -> container ---- */

/* IN from the wire reaches the container as WANT with tag TCI, counted as tx. The wire
 * check runs the program at the veth's egress: a receiving veth would show the frame to
 * packet sockets before tc ingress, and the stack strips tags of VLANs it has no device for. */
static void check_ingress_passed(struct sw *sw, struct ep *ep, const struct pkt *in,
				 const struct pkt *want, int tci)
{
	struct run r = mv_ep_ingress(ep, in);
	struct wire w;

	ASSERT_EQ(r.ret, TC_ACT_UNSPEC);
	ASSERT_MEM_EQ(r.out, r.len, want->data, want->len);
	ASSERT_EQ(sw_stats(sw, ep->n).tx_packets, 1);
	ASSERT_EQ(sw_stats(sw, ep->n).tx_bytes, want->len);
	ASSERT_EQ(sw_stats(sw, ep->n).rx_packets, 0);
	ASSERT_NO_DROPS(sw, ep->n);
	w = mv_wire(ep->n, ep->skel->progs.sl_ep_ingress, in, NULL);
	check_wire(&w, want, tci);
}

static void check_ingress_dropped(struct sw *sw, struct ep *ep, const struct pkt *in,
				  enum sl_drop why)
{
	ASSERT_EQ(mv_ep_ingress(ep, in).ret, TC_ACT_SHOT);
	ASSERT_EQ(sw_stats(sw, ep->n).tx_packets, 0);
	ASSERT_EQ(sw_stats(sw, ep->n).rx_packets, 0);
	ASSERT_DROPS(sw, ep->n, why, 1);
}

TEST(ep_ingress_access_vlan_tag_is_popped)
{
	struct sw *sw = sw_open();
	struct pkt in = tagged(PCP(3) | 10), want = untagged();

	check_ingress_passed(sw, ENDPOINT(sw, EP, .pvid = 10), &in, &want, NO_TAG);
}

TEST(ep_ingress_other_vlan_is_dropped)
{
	struct sw *sw = sw_open();
	struct pkt in = tagged(20);

	check_ingress_dropped(sw, ENDPOINT(sw, EP, .pvid = 10), &in, SL_DROP_VLAN_NOT_ALLOWED);
}

/* Untagged on the wire is VLAN 1, which a VLAN 10 endpoint is not in. */
TEST(ep_ingress_untagged_to_vlan_10_is_dropped)
{
	struct sw *sw = sw_open();
	struct pkt in = untagged();

	check_ingress_dropped(sw, ENDPOINT(sw, EP, .pvid = 10), &in, SL_DROP_VLAN_NOT_ALLOWED);
}

TEST(ep_ingress_untagged_to_vlan_1_passes)
{
	struct sw *sw = sw_open();
	struct pkt in = untagged();

	check_ingress_passed(sw, ENDPOINT(sw, EP, .pvid = 1), &in, &in, NO_TAG);
}

TEST(ep_ingress_priority_tag_to_vlan_1_is_popped)
{
	struct sw *sw = sw_open();
	struct pkt in = tagged(PCP(6) | 0), want = untagged();

	check_ingress_passed(sw, ENDPOINT(sw, EP, .pvid = 1), &in, &want, NO_TAG);
}

/* A tag in test_run's data is popped and pushed back as metadata, PCP included. */
TEST(ep_ingress_trunk_keeps_tag)
{
	struct sw *sw = sw_open();
	struct pkt in = tagged(PCP(5) | 20), want = untagged();

	check_ingress_passed(sw, ENDPOINT(sw, EP, TRUNK_1_10_20), &in, &want, PCP(5) | 20);
}

TEST(ep_ingress_trunk_native_vlan_is_untagged)
{
	struct sw *sw = sw_open();
	struct pkt in = untagged();

	check_ingress_passed(sw, ENDPOINT(sw, EP, TRUNK_1_10_20), &in, &in, NO_TAG);
}

/* A tagged VLAN 1 frame is the native VLAN all the same: the container gets it untagged. */
TEST(ep_ingress_trunk_tagged_vlan_1_is_popped)
{
	struct sw *sw = sw_open();
	struct pkt in = tagged(1), want = untagged();

	check_ingress_passed(sw, ENDPOINT(sw, EP, TRUNK_1_10_20), &in, &want, NO_TAG);
}

TEST(ep_ingress_trunk_vid_not_allowed_is_dropped)
{
	struct sw *sw = sw_open();
	struct pkt in = tagged(30);

	check_ingress_dropped(sw, ENDPOINT(sw, EP, TRUNK_1_10_20), &in, SL_DROP_VLAN_NOT_ALLOWED);
}

TEST(ep_ingress_vid_4095_is_dropped)
{
	struct sw *sw = sw_open();
	struct pkt in = tagged(4095);

	check_ingress_dropped(sw, ENDPOINT(sw, EP, TRUNK_1_10_20), &in, SL_DROP_VLAN_INVALID);
}

TEST(ep_ingress_qinq_is_dropped)
{
	struct sw *sw = sw_open();
	struct pkt in;

	pkt_eth(&in, MAC_B, MAC_A);
	pkt_vlan(&in, ETH_P_8021Q, 10);
	pkt_vlan(&in, ETH_P_8021Q, 20);
	pkt_udp4(&in, IP_A, IP_B, 1000, 2000, 26);
	check_ingress_dropped(sw, ENDPOINT(sw, EP, TRUNK_1_10_20), &in, SL_DROP_VLAN_QINQ);
}

TEST(ep_ingress_without_port_is_dropped)
{
	struct sw *sw = sw_open();
	struct ep *ep = mv_endpoint_bare(sw, EP, SL_EP_KEY(EP + 1));
	struct pkt in = untagged();

	ASSERT_EQ(mv_ep_ingress(ep, &in).ret, TC_ACT_SHOT);
	ASSERT_DROPS(sw, -1, SL_DROP_NO_SWITCH, 1);
}

/* ---- the LAN hook of a macvlan parent ---- */

/* LANP: the host macvlan port, native 10 and tagged 20; CTR: access 10; CTR2: native 10,
 * tagged 20 and 40; FOREIGN: a port of switch 2; PARENT: the macvlan's parent, whose
 * sl_lan entry names LANP; OTHER: a device with no sl_lan entry. */
enum { LANP, CTR, CTR2, FOREIGN, OTHER, PARENT };

static struct lan *lan_setup(struct sw *sw)
{
	struct lan *l = mv_lan_open(sw);

	PORT(sw, LANP, .mode = SL_MODE_TRUNK, .pvid = 10, .vids = { 20 }, .flags = SL_PORT_F_LAN,
	     .tc_only = true);
	PORT(sw, CTR, .pvid = 10);
	PORT(sw, CTR2, .mode = SL_MODE_TRUNK, .pvid = 10, .vids = { 20, 40 });
	PORT(sw, FOREIGN, .switch_id = 2, .pvid = 10);
	mv_lan_add(l, PARENT, LANP);
	return l;
}

/* IN on the parent, coming from the wire and leaving for it, gets verdicts IN_RET and
 * OUT_RET; a redirect leaves the frame as it was. */
static void check_lan(struct lan *l, const struct pkt *in, int in_ret, int out_ret)
{
	struct run r = mv_lan_in(l, PARENT, in);

	ASSERT_EQ(r.ret, in_ret);
	ASSERT_MEM_EQ(r.out, r.len, in->data, in->len);
	r = mv_lan_out(l, PARENT, in);
	ASSERT_EQ(r.ret, out_ret);
	ASSERT_MEM_EQ(r.out, r.len, in->data, in->len);
}

TEST(lan_unicast_to_mac_on_another_port_is_redirected)
{
	struct sw *sw = sw_open();
	struct lan *l = lan_setup(sw);
	struct pkt in = udp(MAC_B, MAC_C, NO_TAG);

	sw_fdb_add(sw, 1, 10, MAC_B, CTR);
	check_lan(l, &in, TC_ACT_REDIRECT, TC_ACT_REDIRECT);
}

/* The redirect target is the macvlan port's ingress: the frame shows up there. */
TEST(lan_redirect_enters_the_macvlan_port)
{
	struct sw *sw = sw_open();
	struct lan *l = lan_setup(sw);
	struct pkt in = udp(MAC_B, MAC_C, NO_TAG);
	struct wire w;
	char name[IF_NAMESIZE];

	sw_fdb_add(sw, 1, 10, MAC_B, CTR);
	snprintf(name, sizeof(name), "ut%d", LANP);
	w = mv_wire(PARENT, l->skel->progs.sl_lan_egress, &in, name);
	check_wire(&w, &in, NO_TAG);
}

/* The macvlan driver delivers its own MAC. */
TEST(lan_mac_on_the_macvlan_port_itself_passes)
{
	struct sw *sw = sw_open();
	struct lan *l = lan_setup(sw);
	struct pkt in = udp(MAC_B, MAC_C, NO_TAG);

	sw_fdb_add(sw, 1, 10, MAC_B, LANP);
	check_lan(l, &in, TC_ACT_UNSPEC, TC_ACT_UNSPEC);
}

/* The macvlan driver hands group frames to every macvlan; an FDB entry does not matter. */
TEST(lan_broadcast_and_multicast_pass)
{
	struct sw *sw = sw_open();
	struct lan *l = lan_setup(sw);
	struct pkt bcast = udp(MAC_BCAST, MAC_C, NO_TAG), mcast = udp(MAC_MCAST, MAC_C, NO_TAG);

	sw_fdb_add(sw, 1, 10, MAC_BCAST, CTR);
	sw_fdb_add(sw, 1, 10, MAC_MCAST, CTR);
	check_lan(l, &bcast, TC_ACT_UNSPEC, TC_ACT_UNSPEC);
	check_lan(l, &mcast, TC_ACT_UNSPEC, TC_ACT_UNSPEC);
}

TEST(lan_unknown_mac_passes)
{
	struct sw *sw = sw_open();
	struct lan *l = lan_setup(sw);
	struct pkt in = udp(MAC_B, MAC_C, NO_TAG);

	sw_fdb_add(sw, 1, 10, MAC_A, CTR);
	check_lan(l, &in, TC_ACT_UNSPEC, TC_ACT_UNSPEC);
}

TEST(lan_device_without_sl_lan_entry_passes)
{
	struct sw *sw = sw_open();
	struct lan *l = lan_setup(sw);
	struct pkt in = udp(MAC_B, MAC_C, NO_TAG);

	sw_fdb_add(sw, 1, 10, MAC_B, CTR);
	ASSERT_EQ(mv_lan_in(l, OTHER, &in).ret, TC_ACT_UNSPEC);
	ASSERT_EQ(mv_lan_out(l, OTHER, &in).ret, TC_ACT_UNSPEC);
}

/* sl_lan names a device that is no port (removed): nothing to redirect to. */
TEST(lan_entry_without_port_passes)
{
	struct sw *sw = sw_open();
	struct lan *l = lan_setup(sw);
	struct pkt in = udp(MAC_B, MAC_C, NO_TAG);

	sw_fdb_add(sw, 1, 10, MAC_B, CTR);
	mv_lan_add(l, PARENT, OTHER);
	check_lan(l, &in, TC_ACT_UNSPEC, TC_ACT_UNSPEC);
}

/* The switch sent it out through the macvlan: taking it back would loop. Ingress does
 * not look at the source. */
TEST(lan_egress_with_source_on_another_port_passes)
{
	struct sw *sw = sw_open();
	struct lan *l = lan_setup(sw);
	struct pkt in = udp(MAC_B, MAC_A, NO_TAG);

	sw_fdb_add(sw, 1, 10, MAC_B, CTR);
	sw_fdb_add(sw, 1, 10, MAC_A, CTR2);
	check_lan(l, &in, TC_ACT_REDIRECT, TC_ACT_UNSPEC);
}

/* The host's own frames from the parent: their source was learned on the macvlan port. */
TEST(lan_egress_with_source_on_the_macvlan_port_is_redirected)
{
	struct sw *sw = sw_open();
	struct lan *l = lan_setup(sw);
	struct pkt in = udp(MAC_B, MAC_A, NO_TAG);

	sw_fdb_add(sw, 1, 10, MAC_B, CTR);
	sw_fdb_add(sw, 1, 10, MAC_A, LANP);
	check_lan(l, &in, TC_ACT_REDIRECT, TC_ACT_REDIRECT);
}

/* Untagged and priority-tagged frames look up the port's native VLAN 10, tagged ones
 * their VID. */
TEST(lan_tagged_frame_looks_up_its_vlan)
{
	struct sw *sw = sw_open();
	struct lan *l = lan_setup(sw);
	struct pkt t20 = udp(MAC_B, MAC_C, 20), plain = udp(MAC_B, MAC_C, NO_TAG);
	struct pkt prio = udp(MAC_B, MAC_C, PCP(4) | 0);

	sw_fdb_add(sw, 1, 20, MAC_B, CTR2);
	check_lan(l, &t20, TC_ACT_REDIRECT, TC_ACT_REDIRECT);
	check_lan(l, &plain, TC_ACT_UNSPEC, TC_ACT_UNSPEC);
	check_lan(l, &prio, TC_ACT_UNSPEC, TC_ACT_UNSPEC);
	sw_fdb_add(sw, 1, 10, MAC_C, CTR);	/* C: the source; B in VLAN 10 is still unknown */
	check_lan(l, &plain, TC_ACT_UNSPEC, TC_ACT_UNSPEC);
	sw_fdb_add(sw, 1, 10, MAC_B, CTR);
	check_lan(l, &plain, TC_ACT_REDIRECT, TC_ACT_UNSPEC);
	check_lan(l, &prio, TC_ACT_REDIRECT, TC_ACT_UNSPEC);
}

/* VLAN 40 is on CTR2 but not on the macvlan port: the LAN does not carry it here. */
TEST(lan_vlan_not_on_the_macvlan_port_passes)
{
	struct sw *sw = sw_open();
	struct lan *l = lan_setup(sw);
	struct pkt in = udp(MAC_B, MAC_C, 40);

	sw_fdb_add(sw, 1, 40, MAC_B, CTR2);
	check_lan(l, &in, TC_ACT_UNSPEC, TC_ACT_UNSPEC);
}

/* Stale entries: the MAC's port is in another switch, or gone. */
TEST(lan_mac_on_a_port_of_another_switch_or_none_passes)
{
	struct sw *sw = sw_open();
	struct lan *l = lan_setup(sw);
	struct pkt in = udp(MAC_B, MAC_C, NO_TAG);

	sw_fdb_add(sw, 1, 10, MAC_B, FOREIGN);
	check_lan(l, &in, TC_ACT_UNSPEC, TC_ACT_UNSPEC);
	sw_fdb_add(sw, 1, 10, MAC_B, OTHER);
	check_lan(l, &in, TC_ACT_UNSPEC, TC_ACT_UNSPEC);
}
