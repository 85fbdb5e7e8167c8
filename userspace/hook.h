/* SPDX-License-Identifier: MIT */
/* Where sluice's tc programs hang: one table of hook kinds, and attach/detach written once.
 *
 * Link names. On kernels with tcx (>= 6.6) each hook but a port's is a bpf_link pinned
 * under <root>/links/ (SL_PIN_LINKS) as "<id>_<kind>", where id is the ifindex in the host
 * netns ("7_nat_egress", "3_lan_in", "9_nat_guard"; "12_tc" for ports of older builds), and
 * for macvlan endpoints, whose device lives in the container's netns, "ep<slot>_in|out". XDP links are "<ifindex>_xdp"
 * (loader.c). `upgrade` swaps every pin of links/ by its program's name.
 *
 * Before tcx (< 6.6) a hook is a clsact direct-action filter with the kind's handle and
 * priority, and a clsact qdisc sluice had to create on a host device is recorded as the
 * empty directory <root>/clsact/<ifindex> (SL_PIN_CLSACT): detaching the last filter on that device destroys
 * the qdisc again, and a qdisc that was there before is never touched.
 *
 * Switch ports are clsact filters on every kernel (hook_def.clsact): each tcx attach waits
 * for an RCU grace period (~20 ms), a clsact filter does not, and a container runtime adds
 * ports one at a time. Ports of older builds keep their tcx links until deleted. */
#ifndef SLUICE_HOOK_H
#define SLUICE_HOOK_H

#include <stdbool.h>
#include <stdint.h>

struct ctl;

enum hook_kind {
	HOOK_PORT,		/* switch port, ingress */
	HOOK_NAT_OUT,		/* NAT uplink, egress */
	HOOK_NAT_IN,		/* NAT uplink, ingress */
	HOOK_LAN_OUT,		/* macvlan parent, egress, ahead of a NAT there */
	HOOK_LAN_IN,		/* macvlan parent, ingress, ahead of a NAT there */
	HOOK_NAT_GUARD,		/* gateway's host leg, ingress */
	HOOK_EP_OUT,		/* macvlan endpoint (container netns), egress */
	HOOK_EP_IN,		/* macvlan endpoint (container netns), ingress */
	HOOK_KINDS
};

struct hook_def {
	const char *name;	/* link pin: "<id>_<name>"; endpoints "ep<slot>_<name>" */
	bool egress;
	bool endpoint;		/* in a container's netns: id is the port's slot */
	bool first;		/* tcx: BPF_F_BEFORE, ahead of the device's other programs */
	uint32_t handle, prio;	/* the clsact filter (< 6.6) */
	uint32_t prio_old;	/* a filter of older builds to detach as well, 0 none */
	bool clsact;		/* a clsact filter on tcx kernels too (switch ports: see above) */
};

extern const struct hook_def hook_defs[HOOK_KINDS];

/* The pin path of kind K's link for ID (ifindex, or slot for endpoints) into BUF[PATH_MAX]. */
void hook_link_path(struct ctl *c, char *buf, enum hook_kind k, uint32_t id);
/* Attach PROG_FD as kind K on IFINDEX in the current netns (ID names its link pin): a
 * pinned tcx link, else a clsact filter (replacing one of the same kind). WHAT names the
 * device in errors ("port p1", "uplink up0"). 0, or -1 printed. */
int hook_attach(struct ctl *c, enum hook_kind k, int ifindex, uint32_t id, int prog_fd,
		const char *what);
/* Take kind K off IFINDEX: its link pin, else its clsact filter, and the clsact qdisc when
 * sluice created it and nothing else is left on it. Silent; nothing there is fine. */
void hook_detach(struct ctl *c, enum hook_kind k, int ifindex, uint32_t id);
/* Forget every qdisc mark (instance_remove: the devices stay as they are). */
void hook_marks_clear(struct ctl *c);
/* Whether kind K's pinned link for ID exists and is still attached to IFINDEX. */
bool hook_linked(struct ctl *c, enum hook_kind k, int ifindex, uint32_t id);
/* Whether a clsact filter of kind K is on IFINDEX (kernels without tcx). */
bool hook_filtered(enum hook_kind k, int ifindex);

/* Kind K's clsact filter on IFINDEX (OLD: at the older builds' priority): its program's
 * id, 0 for none; and replacing its program (negative errno on failure, silent). */
uint32_t hook_filter_prog(enum hook_kind k, int ifindex, bool old);
int hook_filter_replace(enum hook_kind k, int ifindex, bool old, int prog_fd);

#endif
