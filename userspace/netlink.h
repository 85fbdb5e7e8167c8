/* SPDX-License-Identifier: MIT */
/* rtnetlink through libmnl: links, veth pairs, netns moves, addresses, routes.
 * Every call works in the caller's current network namespace. */
#ifndef SLUICE_NETLINK_H
#define SLUICE_NETLINK_H

#include <stdint.h>
#include <stdbool.h>
#include <net/if.h>

/* All functions return 0 (or a positive ifindex where stated) on success and a
 * negative errno on failure; on failure they print one line to stderr:
 * "sluice: <what> <object>: <strerror>[: <kernel extack message>]". */

/* ifindex of NAME in the current netns, or -ENODEV (silent: callers probe with it). */
int nl_link_index(const char *name);

struct nl_link_info {
	int ifindex;
	char name[IF_NAMESIZE];
	char kind[16];		/* "veth", "macvlan", "" for none */
	uint8_t mac[6];
	bool up;
	bool promisc;		/* IFF_PROMISC as set by a user */
	int mtu;
	int link_netnsid;	/* -1 when the peer/link is in the same netns */
	int peer_ifindex;	/* IFLA_LINK (veth peer index, macvlan parent), 0 if none */
};
/* Fill INFO for IFINDEX; -ENODEV silently when it does not exist. */
int nl_link_get(int ifindex, struct nl_link_info *info);

/* Create veth NAME <-> PEER; PEER is created directly in the netns open at
 * PEER_NETNS_FD (-1 = current netns). Returns the ifindex of NAME. */
int nl_veth_add(const char *name, const char *peer, int peer_netns_fd);

/* Create a macvlan (mode bridge) NAME of PARENT_IFINDEX (named PARENT in messages),
 * directly in netns NETNS_FD (-1 = current), down. Returns 0. */
int nl_macvlan_add(const char *name, int parent_ifindex, const char *parent, int netns_fd);

/* Create an external-mode (collect_md) vxlan NAME on UDP DSTPORT, bound to LOCAL (network
 * order, 0 = any) and DEV_IFINDEX (0 = none), with MTU (0 = the kernel's), down.
 * Returns its ifindex. */
int nl_vxlan_add(const char *name, uint16_t dstport, uint32_t local, int dev_ifindex, int mtu);

int nl_link_del(int ifindex);
int nl_link_set_up(int ifindex, bool up);
int nl_link_set_promisc(int ifindex, bool on);
int nl_link_set_mac(int ifindex, const uint8_t mac[6]);
int nl_link_set_name(int ifindex, const char *name);
int nl_link_set_mtu(int ifindex, int mtu);

/* Add IPv4 ADDR/PLEN (network order addr) to IFINDEX. */
int nl_addr_add(int ifindex, uint32_t addr, int plen);
/* First IPv4 address of IFINDEX: 0 and *addr set, or -ENOENT (silent). */
int nl_addr_first(int ifindex, uint32_t *addr, int *plen);
/* Default route via GW (network order). */
int nl_route_add_default(uint32_t gw);
/* IPv6 ADDR/PLEN on IFINDEX, without DAD (del: 0 when it is not there); default route via
 * GW out of OIF, or in place of the one there with REPLACE. */
int nl_addr6_add(int ifindex, const uint8_t addr[16], int plen);
int nl_addr6_del(int ifindex, const uint8_t addr[16], int plen);
int nl_route6_add_default(const uint8_t gw[16], int oif, bool replace);

/* Turn GRO on for NAME (veth: gives it NAPI, so it can take XDP_REDIRECT). */
int nl_link_set_gro(const char *name, bool on);
/* Turn TX checksum offload of NAME on or off. XDP_REDIRECT drops the
 * CHECKSUM_PARTIAL state, so senders behind XDP ports checksum in software. */
int nl_link_set_tx_csum(const char *name, bool on);
/* Turn TX VLAN offload (hardware tag insertion) of NAME on or off. Off, a sender's tag
 * travels in the frame's bytes, where an XDP program on the veth's peer can see it. */
int nl_link_set_tx_vlan(const char *name, bool on);

/* Attach PROG_FD (-1: detach) as the XDP program of IFINDEX in the mode of FLAGS
 * (XDP_FLAGS_*) through netlink, which, unlike bpf_link_create, returns the driver's
 * reason for a refusal; only in place of EXPECTED_FD when that is >= 0. WHAT starts
 * the error line. */
int nl_link_set_xdp(int ifindex, int prog_fd, int expected_fd, uint32_t flags, const char *what);

/* How many tc filters (and filter heads) IFINDEX's clsact qdisc holds at ingress or
 * EGRESS; negative errno (silent) when there is no clsact or no device. */
int nl_tc_filter_count(int ifindex, bool egress);

/* Forget the neighbour entry of ADDR (network order) on IFINDEX (-ENOENT silently). */
int nl_neigh_del(int ifindex, uint32_t addr);

/* Network namespaces seen from the current one by id (rtnetlink's nsid): the id of the
 * netns open at NETNS_FD, assigned if it has none (>= 0, or -errno printed). An id lives
 * as long as its namespace, whatever path led to it. */
int nl_nsid_of(int netns_fd);
/* nl_link_get / nl_link_del on IFINDEX of the netns with id NSID (get: -errno, silent). */
int nl_link_get_in(int nsid, int ifindex, struct nl_link_info *info);
int nl_link_del_in(int nsid, int ifindex);
/* nl_link_get by NAME in the netns with id NSID (silent). */
int nl_link_find_in(int nsid, const char *name, struct nl_link_info *info);

#endif
