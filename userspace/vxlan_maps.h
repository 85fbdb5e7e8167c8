/* SPDX-License-Identifier: MIT */
/* The VXLAN ports' pinned maps and what a command asked for, shared by vxlan.c (port add,
 * show, del) and vxlan_remotes.c (remote lists). */
#ifndef SLUICE_VXLAN_MAPS_H
#define SLUICE_VXLAN_MAPS_H

#include <stdint.h>
#include "sluice_vxlan.h"
#include "ctl.h"

/* What `port add ... vxlan` was asked for. */
struct vx_req {
	const char *sw, *name, *dev;
	uint16_t dstport;
	uint32_t local;
	uint32_t nmaps, nremotes;
	uint16_t vid[SL_VLAN_MAX];	/* mapping i: VLAN vid[i] <-> VNI vni[i] */
	uint32_t vni[SL_VLAN_MAX];
	uint32_t remotes[SL_VX_REMOTES_MAX];
};

struct vx_maps {
	int ports, remotes, ids;
};

/* Open the instance's sl_vx_* pins (an error printed when one is missing). */
int vx_maps_open(struct ctl *c, struct vx_maps *m);
void vx_maps_close(struct vx_maps *m);
/* Append remote S to R, refusing a bad address, a duplicate or one too many. */
int vx_add_remote(struct vx_req *r, const char *s);

#endif
