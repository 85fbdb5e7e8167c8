// SPDX-License-Identifier: MIT
/* VXLAN ports in the tc hook: what test_run can show. It cannot hand a program a
 * received tunnel key nor show the key a program set, so learning from decapsulated
 * frames and the key's contents are covered by selftests/net/test_vxlan.sh. */
#include <errno.h>
#include <string.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf.h>
#include "fixture.h"
#include "sluice_vxlan.h"
#include "switch_tc.skel.h"

enum { LOCAL_TRUNK, LOCAL10, VXLAN10 };

#define REMOTE(n)	ipv4(192, 168, 77, n)

/* Port VXLAN10 carries VLAN 10 as VNI 1010 to NREMOTES hosts. */
static void vx_port(struct sw *sw, int n, __u16 vid, __u32 vni, int nremotes)
{
	struct sl_vx_port vp = { .count = nremotes, .dstport = SL_VX_DSTPORT };
	int ports = bpf_map__fd(sw->tc->maps.sl_vx_ports);
	int ids = bpf_map__fd(sw->tc->maps.sl_vx_ids);
	__u32 ifx = sw_ifindex(n);

	PORT(sw, n, .pvid = vid, .flags = SL_PORT_F_VXLAN, .tc_only = true);
	for (int i = 0; i < nremotes; i++)
		vp.remotes[i] = REMOTE(i + 2);
	if (vni) {
		struct sl_vx_id_key in = { ifx, SL_VX_ID_VNI | vni }, out = { ifx, vid };
		__u32 v = vid;

		if (bpf_map_update_elem(ids, &in, &v, BPF_ANY) ||
		    bpf_map_update_elem(ids, &out, &vni, BPF_ANY))
			runner_fail(__FILE__, __LINE__, "sl_vx_ids: %s", strerror(errno));
	}
	if (bpf_map_update_elem(ports, &ifx, &vp, BPF_ANY))
		runner_fail(__FILE__, __LINE__, "sl_vx_ports: %s", strerror(errno));
}

/* A trunk carrying VLAN 10 tagged, an access port of VLAN 10 and a VXLAN port. */
static struct sw *overlay(int nremotes, __u32 vni)
{
	struct sw *sw = sw_open();

	PORT(sw, LOCAL_TRUNK, .mode = SL_MODE_TRUNK, .vids = { 10 });
	PORT(sw, LOCAL10, .pvid = 10);
	vx_port(sw, VXLAN10, 10, vni, nremotes);
	return sw;
}

static struct pkt frame(const __u8 *dst, const __u8 *src, bool tag10)
{
	struct pkt p;

	pkt_eth(&p, dst, src);
	if (tag10)
		pkt_vlan(&p, ETH_P_8021Q, 10);
	pkt_udp4(&p, IP_A, IP_B, 1000, 2000, 26);
	return p;
}

/* B lives behind remote REMOTE_IDX (1-based) of the VXLAN port. */
static void behind_remote(struct sw *sw, __u32 remote_idx)
{
	struct sl_fdb_entry e = { .ifindex = sw_ifindex(VXLAN10), .last_seen = now_ns(),
				  .flags = remote_idx << SL_FDB_REMOTE_SHIFT };

	sw_fdb_put(sw, 1, 10, MAC_B, &e);
}

/* Without a tunnel key (never from a vxlan device) a frame is dropped, and not learned. */
TEST(vxlan_frame_without_tunnel_key_is_dropped)
{
	struct sw *sw = overlay(2, 1010);
	struct pkt in = frame(MAC_BCAST, MAC_A, false);
	struct sl_fdb_entry e;

	ASSERT_EQ(sw_run_tc(sw, VXLAN10, &in).ret, TC_ACT_SHOT);
	ASSERT_DROPS(sw, VXLAN10, SL_DROP_VXLAN_KEY, 1);
	ASSERT_FALSE(sw_fdb_get(sw, 1, 10, MAC_A, &e));
}

/* Unicast to a MAC behind a remote leaves through the VXLAN port, its tag popped: the
 * VNI carries the VLAN. */
TEST(vxlan_unicast_to_remote_mac_is_redirected_untagged)
{
	struct sw *sw = overlay(2, 1010);
	struct pkt in = frame(MAC_B, MAC_A, true), want = frame(MAC_B, MAC_A, false);
	struct run r;

	behind_remote(sw, 2);
	r = sw_run_tc(sw, LOCAL_TRUNK, &in);
	ASSERT_EQ(r.ret, TC_ACT_REDIRECT);
	ASSERT_MEM_EQ(r.out, r.len, want.data, want.len);
	ASSERT_EQ(sw_stats(sw, VXLAN10).tx_packets, 1);
	ASSERT_NO_DROPS(sw, LOCAL_TRUNK);
}

TEST(vxlan_unicast_to_entry_without_remote_is_dropped)
{
	struct sw *sw = overlay(2, 1010);
	struct pkt in = frame(MAC_B, MAC_A, false);

	behind_remote(sw, 0);
	ASSERT_EQ(sw_run_tc(sw, LOCAL10, &in).ret, TC_ACT_SHOT);
	ASSERT_DROPS(sw, LOCAL10, SL_DROP_VXLAN_REMOTE, 1);
	ASSERT_EQ(sw_stats(sw, VXLAN10).tx_packets, 0);
}

TEST(vxlan_unicast_to_remote_index_past_the_list_is_dropped)
{
	struct sw *sw = overlay(2, 1010);
	struct pkt in = frame(MAC_B, MAC_A, false);

	behind_remote(sw, SL_VX_REMOTES_MAX + 1);
	ASSERT_EQ(sw_run_tc(sw, LOCAL10, &in).ret, TC_ACT_SHOT);
	ASSERT_DROPS(sw, LOCAL10, SL_DROP_VXLAN_REMOTE, 1);
}

TEST(vxlan_unicast_in_vlan_without_vni_is_dropped)
{
	struct sw *sw = overlay(2, 0);
	struct pkt in = frame(MAC_B, MAC_A, false);

	behind_remote(sw, 1);
	ASSERT_EQ(sw_run_tc(sw, LOCAL10, &in).ret, TC_ACT_SHOT);
	ASSERT_DROPS(sw, LOCAL10, SL_DROP_VXLAN_VNI, 1);
}

/* Head-end replication: one copy per remote host, besides the local members. */
TEST(vxlan_flood_sends_one_copy_per_remote)
{
	struct sw *sw = overlay(3, 1010);
	struct pkt in = frame(MAC_BCAST, MAC_A, false);

	ASSERT_EQ(sw_run_tc(sw, LOCAL10, &in).ret, TC_ACT_SHOT);
	ASSERT_EQ(sw_stats(sw, VXLAN10).tx_packets, 3);
	ASSERT_EQ(sw_stats(sw, LOCAL_TRUNK).tx_packets, 1);
	ASSERT_EQ(sw_stats(sw, LOCAL10).flooded, 1);
	ASSERT_NO_DROPS(sw, LOCAL10);
}

TEST(vxlan_flood_without_remotes_sends_nothing_there)
{
	struct sw *sw = overlay(0, 1010);
	struct pkt in = frame(MAC_BCAST, MAC_A, false);

	ASSERT_EQ(sw_run_tc(sw, LOCAL10, &in).ret, TC_ACT_SHOT);
	ASSERT_EQ(sw_stats(sw, VXLAN10).tx_packets, 0);
	ASSERT_EQ(sw_stats(sw, LOCAL_TRUNK).tx_packets, 1);
}

/* A MAC learned behind a remote that shows up on a local port moves there and loses
 * its remote. */
TEST(vxlan_mac_moving_home_drops_its_remote)
{
	struct sw *sw = overlay(2, 1010);
	struct pkt in = frame(MAC_BCAST, MAC_B, false);
	struct sl_fdb_entry e;

	behind_remote(sw, 2);
	sw_run_tc(sw, LOCAL10, &in);
	ASSERT_TRUE(sw_fdb_get(sw, 1, 10, MAC_B, &e));
	ASSERT_EQ(e.ifindex, sw_ifindex(LOCAL10));
	ASSERT_EQ(e.flags, SL_FDB_F_SLOT(LOCAL10 + 1));	/* no remote; the local port's slot */
}
