/* SPDX-License-Identifier: MIT */
/* What `port add` was asked for, and the kinds of port beyond container veths:
 * macvlan endpoints (endpoint.c) and host macvlans that bring a LAN (lan.c). */
#ifndef SLUICE_PORT_H
#define SLUICE_PORT_H

#include <stdbool.h>
#include <stdint.h>
#include "ctl.h"
#include "addr4.h"
#include "addr6.h"
#include "port_maps.h"

struct port_req {
	const char *sw, *name, *netns, *ifname, *parent;
	bool dev, macvlan;
	bool has_addr, has_gw, has_mac, has_hook, has_vlan;
	uint32_t addr, gw;
	int plen;
	uint8_t mac[6];
	int hook;
	int mode;
	uint16_t pvid;
	uint64_t vids[SL_VLAN_WORDS];
	int spoofchk;		/* -1: default */
	int mtu;		/* 0: the kernel's; else an overlay switch's (vxlan.c) */
	struct addr6_req a6;	/* IPv6 addresses, gw6, trusted (addr6.c) */
	struct addr4_more a4;	/* IPv4 addresses after addr (addr4.c) */
};

/* port_opts.c: the options of `port add` (ADD) or `port set` after the port's name into R;
 * 0, or -1 printed. */
int parse_port_opts(struct port_req *r, int argc, char **argv, bool add);
/* Inside the container (current netns): MAC, address, link up, default route;
 * returns the device's MAC. */
int peer_setup(const struct port_req *r, uint8_t mac[6]);
/* The container end of a live veth port, to (XDP) or back from XDP (port_veth.c). */
int peer_set_xdp(struct ctl *c, const struct sl_port *p, bool xdp);

/* endpoint.c: a macvlan of R->parent in container netns R->netns as port P (filled
 * with switch, name and VLAN). Leaves nothing behind on failure. */
int endpoint_add(struct ctl *c, const struct port_req *r, struct sl_port *p);
/* Forget P; with DELETE_DEVICE, also delete its macvlan if it is still there. */
void endpoint_remove(struct ctl *c, const struct sl_port *p, bool delete_device);
/* P's macvlan still exists in its netns. */
bool endpoint_alive(struct ctl *c, const struct sl_port *p);
/* Load P's own copy of the endpoint programs: fds of ingress and egress. */
int endpoint_progs_load(struct ctl *c, uint32_t key, int *in_fd, int *out_fd);

/* lan.c: hook P's parent so that frames on its wire for the switch's MACs reach P
 * (a host macvlan port); may set SL_PORT_F_PROMISC in P->flags. */
int lan_attach(struct ctl *c, struct sl_port *p);
/* Untagged frames on a macvlan parent's wire are VLAN 1: 0, or -1 printed. */
int lan_vlan_check(const struct sl_port *p);
void lan_detach(struct ctl *c, const struct sl_port *p);

/* port_addr.c: ADDR (network order) is no other port's or gateway's in VLAN VID (0: a
 * trunk, every VLAN) of SWITCH_ID (SELF: the port asking); else -1 printed. */
int addr_check_free(struct ctl *c, uint32_t switch_id, uint16_t vid, uint32_t addr,
		    const char *self);
/* Every IPv4 address of R (addr and a4) is free, as addr_check_free. */
int addrs_check_free(struct ctl *c, uint32_t switch_id, uint16_t vid, const struct port_req *r,
		     const char *self);
/* R's addr and a4 become P's current addresses (has_addr is left as it was). */
void addrs_of_port(struct ctl *c, const struct sl_port *p, struct port_req *r);
/* `port set P addr CIDR...`: P (OLD before) now accepts R's addresses; the host forgets
 * the neighbour entries of those it no longer owns. */
int addrs_replace(struct ctl *c, const struct sl_port *old, struct sl_port *p,
		  const struct port_req *r);

#endif
