/* SPDX-License-Identifier: MIT */
/* The switch fixture: both skeletons loaded on one set of unpinned maps, veth ports in
 * the runner's private netns, and helpers to program ports and FDB and run one frame. */
#ifndef UNIT_FIXTURE_H
#define UNIT_FIXTURE_H

#include <stdbool.h>
#include <linux/types.h>
#include "sluice.h"
#include "packet.h"
#include "runner.h"

#define FX_PORTS	6	/* veth pairs; tests name ports 0..FX_PORTS-1 */

/* Locally administered unicast MACs, a multicast and the broadcast one. */
#define MAC_A		((const __u8[]){ 0x02, 0x00, 0x00, 0x00, 0x00, 0x0a })
#define MAC_B		((const __u8[]){ 0x02, 0x00, 0x00, 0x00, 0x00, 0x0b })
#define MAC_C		((const __u8[]){ 0x02, 0x00, 0x00, 0x00, 0x00, 0x0c })
#define MAC_MCAST	((const __u8[]){ 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 })
#define MAC_BCAST	((const __u8[]){ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff })
#define MAC_ZERO	((const __u8[]){ 0, 0, 0, 0, 0, 0 })
#define IP_A		ipv4(10, 0, 0, 10)
#define IP_B		ipv4(10, 0, 0, 11)
#define IP_C		ipv4(10, 0, 0, 12)

struct sw {
	struct switch_tc *tc;
	struct switch_xdp *xdp;
	int ports, fdb, flood, stats, tx;	/* map fds, owned by the skeletons */
	int slots, idx;				/* sl_port_slots, sl_port_idx */
	struct sl_port port[FX_PORTS];		/* what was installed; switch_id 0 = none */
};

/* A port's configuration; unset fields mean switch 1, access, no VLAN, no flags. */
struct port_opts {
	__u32 switch_id;
	__u8 mode;		/* SL_MODE_* */
	__u16 pvid;
	__u16 vids[8];		/* trunk VIDs, up to the first 0 */
	__u32 flags;		/* SL_PORT_F_*; SL_PORT_F_XDP_TX is added unless tc_only */
	const __u8 *mac;	/* for SL_PORT_F_SPOOFCHK; NULL = none */
	__u32 ip;		/* network order */
	bool tc_only;		/* cannot take XDP redirects */
	__u32 slot;		/* counter slot; 0 = N + 1 */
};

/* Fresh maps and programs for one test, released when the test ends. */
struct sw *sw_open(void);
int sw_ifindex(int n);
/* Make veth N a port (again) and add it to the flood lists of its VLANs; a port
 * installed again keeps its old flood memberships, so only ever add VLANs. */
void sw_port(struct sw *sw, int n, const struct port_opts *o);
#define PORT(sw, n, ...) sw_port(sw, n, &(const struct port_opts){ __VA_ARGS__ })
/* Take port N out as the controller does (sl_ports and its ARRAY copies); its slot is free. */
void sw_port_erase(struct sw *sw, int n);
/* MAC lives on port N, learned just now (the entry names N's slot, as learning writes it). */
void sw_fdb_add(struct sw *sw, __u32 switch_id, __u16 vid, const __u8 *mac, int n);
/* Write or delete an FDB entry as the controller does: then bump sl_fdb_gen, so that the
 * learn caches forget (sw_fdb_write alone: a write the caches do not hear of). */
void sw_fdb_gen_bump(struct sw *sw);
void sw_fdb_write(struct sw *sw, __u32 switch_id, __u16 vid, const __u8 *mac,
		  const struct sl_fdb_entry *e);
void sw_fdb_del(struct sw *sw, __u32 switch_id, __u16 vid, const __u8 *mac);
void sw_fdb_put(struct sw *sw, __u32 switch_id, __u16 vid, const __u8 *mac,
		const struct sl_fdb_entry *e);
bool sw_fdb_get(struct sw *sw, __u32 switch_id, __u16 vid, const __u8 *mac,
		struct sl_fdb_entry *e);
/* Port N's counters summed over all CPUs; N = -1: frames of devices that are no port. */
struct sl_port_stats sw_stats(struct sw *sw, int n);
/* The per-CPU value at KEY of MAP_FD summed over all CPUs into SUM, SIZE bytes of __u64
 * counters (a stats struct); 0, or -1 with errno set. */
#include "percpu.h"	/* percpu_sum(), shared with the controller */
/* Fail at FILE:LINE unless DROPS[0..MAX) are all 0 but DROPS[WHY] == COUNT (WHY = MAX:
 * all 0); the message starts with WHO and names each counter that moved by NAMES. */
void drops_check(const __u64 *drops, const char *const names[], int max, int why, __u64 count,
		 const char *who, const char *file, int line);

struct run {
	int ret;		/* the program's verdict */
	__u8 out[PKT_MAX + 64];	/* the frame as the program left it */
	__u32 len;
};

/* PROG (a tc or XDP program) once on P, with IFINDEX as the (ingress) device in the context. */
struct bpf_program;
struct run run_skb(struct bpf_program *prog, int ifindex, const struct pkt *p);
struct run run_xdp_prog(struct bpf_program *prog, int ifindex, const struct pkt *p);
/* Run P through a hook as if it arrived on port N. */
struct run sw_run_tc(struct sw *sw, int n, const struct pkt *p);
struct run sw_run_xdp(struct sw *sw, int n, const struct pkt *p);
/* XDP seeing only the first LEN bytes of P: LEN may be under the 14 bytes tc needs. */
struct run sw_run_xdp_len(struct sw *sw, int n, const struct pkt *p, size_t len);

/* Port N dropped exactly COUNT frames, all for WHY. */
void sw_check_drops(struct sw *sw, int n, enum sl_drop why, __u64 count,
		    const char *file, int line);
#define ASSERT_DROPS(sw, n, why, count) sw_check_drops(sw, n, why, count, __FILE__, __LINE__)
#define ASSERT_NO_DROPS(sw, n) sw_check_drops(sw, n, SL_DROP_MAX, 0, __FILE__, __LINE__)

__u64 now_ns(void);
/* The FDB stamps with the coarse clock: a lower bound for a stamp made after this call. */
__u64 coarse_now_ns(void);

#endif
