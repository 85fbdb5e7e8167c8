/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The BPF <-> userspace contract of VXLAN ports: each port's remote hosts and its
 * VLAN <-> VNI map. Maps pinned by name beside the switch's (bpf/lib/vxlan.h). */
#ifndef SLUICE_VXLAN_H
#define SLUICE_VXLAN_H

#include <linux/types.h>

#define SL_VX_REMOTES_MAX	64	/* remote hosts per VXLAN port (head-end replication) */
#define SL_VX_IDS_MAX		8192	/* VLAN <-> VNI entries per instance, both directions */
#define SL_VX_VNI_MAX		0xffffff
#define SL_VX_DSTPORT		4789	/* IANA */
#define SL_VX_OVERHEAD		50	/* outer Ethernet 14 + IPv4 20 + UDP 8 + VXLAN 8 */
#define SL_VX_TTL		64	/* outer IPv4 TTL: the metadata's 0 would mean 0 */

/* sl_vx_ports: key __u32 ifindex of the vxlan device (host netns) */
struct sl_vx_port {
	__u32 count;		/* remotes[] used, holes (0: a removed remote) included */
	__u16 dstport;		/* UDP port, host order (the device has it; shown by port show) */
	__u16 pad0;
	__u32 local;		/* IPv4 network order, 0 = the route's source */
	__u32 remotes[SL_VX_REMOTES_MAX]; /* IPv4 network order; an FDB entry holds 1 + index */
};

/* sl_vx_remotes: (port, remote address) -> 1 + index into remotes[]: admits a frame's
 * sender and names it in the FDB in one lookup. */
struct sl_vx_remote_key {
	__u32 ifindex;
	__u32 addr;		/* network order */
};

/* sl_vx_ids: (port, SL_VX_ID_VNI | VNI) -> VID for decapsulated frames,
 * (port, VID) -> VNI for frames leaving through the port. */
struct sl_vx_id_key {
	__u32 ifindex;
	__u32 id;
};
#define SL_VX_ID_VNI		(1u << 31)	/* VNIs have 24 bits: the top one says "VNI" */

#endif
