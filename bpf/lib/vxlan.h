/* SPDX-License-Identifier: GPL-2.0-only */
/* VXLAN ports in tc: decapsulated frames admitted by (remote, VNI) and learned with their
 * remote; unicast and head-end replicated floods leave with a tunnel key. */
#ifndef SL_VXLAN_H
#define SL_VXLAN_H

#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include "sluice_vxlan.h"
#include "tc_l2.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, struct sl_vx_port);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_vx_ports SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64 * SL_VX_REMOTES_MAX);
	__type(key, struct sl_vx_remote_key);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_vx_remotes SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SL_VX_IDS_MAX);
	__type(key, struct sl_vx_id_key);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_vx_ids SEC(".maps");

static __always_inline __u32 *sl_vx_id(__u32 ifindex, __u32 id)
{
	struct sl_vx_id_key k = { .ifindex = ifindex, .id = id };

	return bpf_map_lookup_elem(&sl_vx_ids, &k);
}

/* Admission on a VXLAN port: the tunnel key names the sending host and the VNI, the
 * VNI gives the VLAN, and the source MAC is learned behind that host. The inner frame
 * must be untagged: the VNI is its VLAN. Returns -1 if admitted, else the drop reason. */
static __always_inline int sl_vx_admit(struct __sk_buff *skb, const struct sl_port *port,
				       struct sl_port_stats *s, struct sl_l2 *l2,
				       struct sl_frame *f)
{
	struct bpf_tunnel_key key = {};
	struct sl_vx_remote_key rk;
	__u32 *idx, *vid;

	if (!port->switch_id)
		return SL_DROP_NO_SWITCH;
	if (sl_mac_is_mcast(l2->eth->h_source))
		return SL_DROP_SRC_MCAST;
	if (bpf_skb_get_tunnel_key(skb, &key, sizeof(key), 0))
		return SL_DROP_VXLAN_KEY;
	rk.ifindex = port->ifindex;
	rk.addr = bpf_htonl(key.remote_ipv4);
	idx = bpf_map_lookup_elem(&sl_vx_remotes, &rk);
	if (!idx)
		return SL_DROP_VXLAN_REMOTE;
	vid = sl_vx_id(port->ifindex, SL_VX_ID_VNI | (key.tunnel_id & SL_VX_VNI_MAX));
	if (!vid || *vid == 0 || *vid > SL_VLAN_MAX)
		return SL_DROP_VXLAN_VNI;
	if (l2->tagged)
		return SL_DROP_VLAN_TAGGED_ON_ACCESS;
	f->vid = *vid;
	f->tci = *vid;
	f->wire_tci = 0;
	f->has_tag = 0;
	sl_fdb_learn_flags(port->switch_id, f->vid, l2->eth->h_source, port->ifindex, port->slot,
			   *idx << SL_FDB_REMOTE_SHIFT, s);
	return -1;
}

/* Give SKB the tunnel key towards REMOTE (network order) in VNI. The outer UDP checksum is
 * zero, as RFC 7348 recommends for IPv4 and as the kernel's own vxlan devices default to:
 * the inner frame keeps its own checksums, and GSO needs no outer checksum pass. */
static __always_inline int sl_vx_set_key(struct __sk_buff *skb, __u32 remote, __u32 vni)
{
	struct bpf_tunnel_key key = {
		.tunnel_id = vni,
		.remote_ipv4 = bpf_ntohl(remote),
		.tunnel_ttl = SL_VX_TTL,
	};

	return bpf_skb_set_tunnel_key(skb, &key, sizeof(key), BPF_F_ZERO_CSUM_TX);
}

/* Unicast to DP, a VXLAN port: to the remote host its FDB entry for (VLAN, DMAC) names, in
 * the VLAN's VNI, untagged. Returns -1 when SKB is ready for bpf_redirect, else the drop
 * reason. */
static __always_inline int sl_vx_unicast(struct __sk_buff *skb, const struct sl_port *dp,
					 struct sl_frame *f, const __u8 *dmac)
{
	struct sl_fdb_entry *e;
	struct sl_vx_port *vp;
	struct sl_fdb_key k;
	__u32 *vni, idx, remote;

	sl_fdb_key(&k, dp->switch_id, f->vid, dmac);
	e = bpf_map_lookup_elem(&sl_fdb, &k);
	vp = bpf_map_lookup_elem(&sl_vx_ports, &dp->ifindex);
	idx = e ? SL_FDB_REMOTE(e->flags) : 0;
	if (!vp || idx == 0 || idx > SL_VX_REMOTES_MAX)
		return SL_DROP_VXLAN_REMOTE;
	remote = vp->remotes[(idx - 1) & (SL_VX_REMOTES_MAX - 1)];
	if (!remote)		/* removed a moment ago; its entries are being flushed */
		return SL_DROP_VXLAN_REMOTE;
	vni = sl_vx_id(dp->ifindex, f->vid);
	if (!vni)
		return SL_DROP_VXLAN_VNI;
	if (sl_tc_vlan_set(skb, f, 0))
		return SL_DROP_VLAN_OP;
	if (sl_vx_set_key(skb, remote, *vni))
		return SL_DROP_VXLAN_KEY;
	return -1;
}

struct sl_vx_flood_ctx {
	struct __sk_buff *skb;
	const struct sl_vx_port *vp;
	__u32 ifindex, vni, sent;
};

static long sl_vx_flood_one(__u32 i, void *arg)
{
	struct sl_vx_flood_ctx *c = arg;
	__u32 remote;

	if (i >= SL_VX_REMOTES_MAX)
		return 1;
	remote = c->vp->remotes[i];
	if (!remote)		/* a removed remote's slot, kept so other indexes hold */
		return 0;
	if (sl_vx_set_key(c->skb, remote, c->vni) == 0 &&
	    bpf_clone_redirect(c->skb, c->ifindex, 0) == 0)
		c->sent++;
	return 0;
}

/* Head-end replication: a copy of the (untagged) frame to every remote of DP in VID's
 * VNI. Callers never flood back into the port a frame came from, so a frame from the
 * overlay is never replicated to another host (each sender reaches every host itself). */
static __always_inline void sl_vx_flood(struct __sk_buff *skb, const struct sl_port *dp, __u16 vid)
{
	struct sl_vx_flood_ctx c = { .skb = skb, .ifindex = dp->ifindex };
	__u32 *vni = sl_vx_id(dp->ifindex, vid);
	__u32 n;

	c.vp = bpf_map_lookup_elem(&sl_vx_ports, &dp->ifindex);
	if (!c.vp || !vni)
		return;
	c.vni = *vni;
	n = c.vp->count < SL_VX_REMOTES_MAX ? c.vp->count : SL_VX_REMOTES_MAX;
	if (n)
		bpf_loop(n, sl_vx_flood_one, &c, 0);
	if (c.sent) {
		__u32 slot = dp->slot;
		struct sl_port_stats *s = bpf_map_lookup_elem(&sl_stats, &slot);

		if (s) {
			s->tx_packets += c.sent;
			s->tx_bytes += (__u64)c.sent * skb->len;
		}
	}
}

#endif
