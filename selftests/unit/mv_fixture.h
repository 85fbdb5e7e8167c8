/* SPDX-License-Identifier: MIT */
/* The macvlan fixture: endpoint and LAN-hook skeletons on a switch fixture's maps, endpoint
 * ports keyed SL_EP_KEY(slot), their test runs, and a veth "wire" that shows metadata tags. */
#ifndef UNIT_MV_FIXTURE_H
#define UNIT_MV_FIXTURE_H

#include <stdbool.h>
#include <linux/types.h>
#include "fixture.h"

/* A macvlan endpoint stands in for veth N: slot N + 1, so sw_stats(sw, N) and
 * ASSERT_DROPS(sw, N, ...) read its counters; veth N must not be a switch port. */
struct ep {
	struct endpoint_tc *skel;	/* its own copy, sl_ep_key = key */
	__u32 key;			/* SL_EP_KEY(N + 1) */
	int n;
};

/* Install endpoint N (O as for sw_port; SL_PORT_F_ENDPOINT is added) and load its programs. */
struct ep *mv_endpoint(struct sw *sw, int n, const struct port_opts *o);
#define ENDPOINT(sw, n, ...) mv_endpoint(sw, n, &(const struct port_opts){ __VA_ARGS__ })
/* Load endpoint programs for KEY without installing a port record. */
struct ep *mv_endpoint_bare(struct sw *sw, int n, __u32 key);

/* Run P through the endpoint's egress (container -> wire) or ingress (wire -> container). */
struct run mv_ep_egress(struct ep *ep, const struct pkt *p);
struct run mv_ep_ingress(struct ep *ep, const struct pkt *p);

struct lan {
	struct lan_tc *skel;
	int map;			/* sl_lan fd */
};

/* The LAN hook on the switch's maps, with an empty sl_lan of its own. */
struct lan *mv_lan_open(struct sw *sw);
/* Veth PARENT is a macvlan parent whose host macvlan is switch port N. */
void mv_lan_add(struct lan *l, int parent, int n);
/* Run P through the parent's ingress (from the wire) or egress (to the wire) hook. */
struct run mv_lan_in(struct lan *l, int parent, const struct pkt *p);
struct run mv_lan_out(struct lan *l, int parent, const struct pkt *p);

/* What one device received, tag included: test_run cannot show a tag the program
 * left as skb metadata (bpf_skb_vlan_push), a receiving packet socket can. */
struct wire {
	bool seen;			/* a frame with P's source MAC arrived */
	__u8 data[PKT_MAX];		/* as received: the stack has moved any tag out */
	__u32 len;
	bool tagged;
	__u16 tpid, tci;		/* host order */
};

/* Attach PROG at the tc egress of veth N, send P out of N, and return what the device
 * named RX (NULL: N's peer) received; the hook is gone again on return. */
struct wire mv_wire(int n, struct bpf_program *prog, const struct pkt *p, const char *rx);

#endif
