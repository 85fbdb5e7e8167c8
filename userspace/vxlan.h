/* SPDX-License-Identifier: MIT */
/* VXLAN ports (vxlan.c): an external-mode vxlan device as a switch port whose FDB entries
 * carry a remote host, and the hooks port.c and fdb.c call for that kind. */
#ifndef SLUICE_VXLAN_PORT_H
#define SLUICE_VXLAN_PORT_H

#include <stdint.h>
#include <json-c/json.h>
#include "ctl.h"

/* `port add SWITCH NAME vxlan ...`: ARGV[0] is SWITCH. Leaves nothing behind on failure. */
int vxlan_port_add(struct ctl *c, int argc, char **argv);
/* `port set NAME remotes IP,...|none`: ARGV[0] is NAME. Replaces the port's remote list;
 * what was learned behind a removed remote is flushed. */
int vxlan_port_set(struct ctl *c, int argc, char **argv);
/* Forget P's remotes and VNIs (port_remove does the rest). */
void vxlan_forget(struct ctl *c, const struct sl_port *p);
/* Add P's kind, VNIs, UDP port and remotes to its `port show` object. */
void vxlan_json(struct ctl *c, const struct sl_port *p, json_object *o);
/* 1 + the index of ADDR (network order) in port IFINDEX's remotes, or -ENOENT. */
int vxlan_remote_index(struct ctl *c, uint32_t ifindex, uint32_t addr);
/* The address of remote IDX (1-based) of port IFINDEX into BUF, or "?". */
void vxlan_remote_format(struct ctl *c, uint32_t ifindex, uint32_t idx, char buf[16]);
/* vxlan_mtu.c: lower every veth of SWITCH_ID (both ends, gateway legs) to MTU. */
void vxlan_switch_mtu_apply(struct ctl *c, uint32_t switch_id, int mtu);
/* MTU containers on SWITCH_ID get: the lowest of its VXLAN ports' devices, 0 if none. */
int vxlan_switch_mtu(struct ctl *c, uint32_t switch_id);

#endif
