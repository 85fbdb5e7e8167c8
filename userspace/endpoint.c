// SPDX-License-Identifier: MIT
/* Macvlan endpoints: a container's macvlan (bridge mode) of a host device, with
 * the endpoint programs on both directions of it, inside the container's netns.
 * The port has no host device: its ports key is SL_EP_KEY(slot), and its own copy
 * of the programs carries that key (bpf/endpoint_tc.bpf.c says why). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "hook.h"
#include "netlink.h"
#include "port.h"
#include "port_kind.h"
#include "identity.h"
#include "intent.h"
#include "endpoint_tc.skel.h"

int endpoint_progs_load(struct ctl *c, uint32_t key, int *in_fd, int *out_fd)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = c->root);
	struct endpoint_tc *skel = endpoint_tc__open_opts(&opts);
	int ret = -1;

	if (!skel)
		return errf("open the endpoint's BPF object: %s", strerror(errno));
	skel->rodata->sl_ep_key = key;
	if (maps_reuse_pins(c, skel->obj) || endpoint_tc__load(skel)) {
		errf("load the endpoint's BPF programs: %s (run with LIBBPF_LOG=1 for the "
		    "verifier log)", strerror(errno));
		goto out;
	}
	*in_fd = dup(bpf_program__fd(skel->progs.sl_ep_ingress));
	*out_fd = dup(bpf_program__fd(skel->progs.sl_ep_egress));
	ret = *in_fd < 0 || *out_fd < 0 ? errf("endpoint programs: %s", strerror(errno)) : 0;
out:
	endpoint_tc__destroy(skel);
	return ret;
}

/* One direction, in the current (the container's) netns: a pinned tcx link, or a
 * clsact filter on kernels < 6.6 (it goes with the device). */
static int ep_hook(struct ctl *c, const struct sl_port *p, int prog, bool egress)
{
	char what[SL_NAME_LEN + 16];

	snprintf(what, sizeof(what), "endpoint %s", p->name);
	return hook_attach(c, egress ? HOOK_EP_OUT : HOOK_EP_IN, p->ep_ifindex, p->slot, prog,
			   what);
}

/* The link pins only (from the host netns: the device, and its filters, go with the port). */
static void ep_unpin(struct ctl *c, const struct sl_port *p)
{
	hook_detach(c, HOOK_EP_IN, 0, p->slot);
	hook_detach(c, HOOK_EP_OUT, 0, p->slot);
}

struct ep_call {
	int (*fn)(struct ctl *, const struct sl_port *, void *);
	struct ctl *c;
	const struct sl_port *p;
	void *arg;
};

static int ep_call(void *arg)
{
	struct ep_call *e = arg;

	return e->fn(e->c, e->p, e->arg);
}

/* Run FN(C, P, ARG) inside P's netns and come back (netns_run). */
static int in_netns(const char *netns, int (*fn)(struct ctl *, const struct sl_port *, void *),
		    struct ctl *c, const struct sl_port *p, void *arg)
{
	return netns_run(netns, ep_call, &(struct ep_call){ fn, c, p, arg });
}

static int ep_attach_here(struct ctl *c, const struct sl_port *p, void *arg)
{
	const int *fds = arg;

	if (ep_hook(c, p, fds[0], false))
		return -1;
	if (ep_hook(c, p, fds[1], true)) {
		ep_unpin(c, p);
		return -1;
	}
	return 0;
}

/* Our macvlan, if the device at ep_ifindex is still it. */
static bool ep_is_ours(const struct sl_port *p)
{
	struct nl_link_info li;

	return p->ep_ifindex && nl_link_get(p->ep_ifindex, &li) == 0 &&
	       !strcmp(li.kind, "macvlan") && (uint32_t)li.peer_ifindex == p->parent;
}

/* Delete the endpoint's macvlan; ARG, when given, is the request that made it,
 * for a macvlan whose ifindex was never learnt. */
static int ep_delete_here(struct ctl *c, const struct sl_port *p, void *arg)
{
	const struct port_req *r = arg;
	struct nl_link_info li;
	int ifx;

	(void)c;
	if (ep_is_ours(p))
		return nl_link_del(p->ep_ifindex);
	ifx = r ? nl_link_index(r->ifname) : -1;
	if (ifx > 0 && nl_link_get(ifx, &li) == 0 && !strcmp(li.kind, "macvlan") &&
	    (uint32_t)li.peer_ifindex == p->parent)
		return nl_link_del(ifx);
	return 0;
}

static int ep_alive_here(struct ctl *c, const struct sl_port *p, void *arg)
{
	(void)c;
	(void)arg;
	return ep_is_ours(p) ? 0 : -1;
}

bool endpoint_alive(struct ctl *c, const struct sl_port *p)
{
	struct nl_link_info li;
	char path[PATH_MAX];
	struct port_ns ns;

	/* By identity, not by a path that may lead elsewhere or nowhere while the netns lives
	 * on: its id from here (gone with it) and the device's ifindex, kind, parent, MAC. */
	if (port_ns_get(c, p->ifindex, &ns) == 0)
		return ns.nsid >= 0 && nl_link_get_in(ns.nsid, p->ep_ifindex, &li) == 0 &&
		       !strcmp(li.kind, "macvlan") && (uint32_t)li.peer_ifindex == p->parent &&
		       !memcmp(li.mac, p->mac, 6);
	/* A port made by an earlier build: a container that is gone took its netns and the
	 * macvlan with it: ask quietly. */
	netns_path(p->netns, path);
	return !access(path, F_OK) && in_netns(p->netns, ep_alive_here, NULL, p, NULL) == 0;
}

/* Inside the container: the new macvlan's MAC (as asked, else its own) and ifindex. */
static int ep_probe_here(struct ctl *c, const struct sl_port *p, void *arg)
{
	const struct port_req *r = arg;
	struct sl_port *q = (struct sl_port *)p;
	struct nl_link_info li;
	int ifx = nl_link_index(r->ifname);

	(void)c;
	if (ifx < 0)
		return errf("macvlan %s vanished from netns %s", r->ifname, r->netns);
	q->ep_ifindex = ifx;
	if ((r->has_mac && nl_link_set_mac(ifx, r->mac)) || nl_link_get(ifx, &li))
		return -1;
	memcpy(q->mac, li.mac, 6);
	return 0;
}

static int ep_free_here(struct ctl *c, const struct sl_port *p, void *arg)
{
	const struct port_req *r = arg;

	(void)c;
	(void)p;
	if (nl_link_index(r->ifname) > 0)
		return errf("device %s already exists in netns %s", r->ifname, r->netns);
	return 0;
}

static int ep_setup_here(struct ctl *c, const struct sl_port *p, void *arg)
{
	uint8_t mac[6];

	(void)c;
	(void)p;
	return peer_setup(arg, mac);
}

int endpoint_add(struct ctl *c, const struct port_req *r, struct sl_port *p)
{
	struct nl_link_info li;
	int parent, ns, fds[2] = { -1, -1 }, ret = -1;
	bool made = false, installed = false;

	if (r->hook != SL_HOOK_TC)
		return errf("port %s: xdp is not for macvlan endpoints (their frames never "
			   "reach a sluice port's ingress)", r->name);
	parent = nl_link_index(r->parent);
	if (parent < 0 || nl_link_get(parent, &li))
		return errf("parent %s does not exist in the host netns", r->parent);
	if (in_netns(r->netns, ep_free_here, c, p, (void *)r))
		return -1;
	ns = netns_open(r->netns);
	if (ns < 0)
		return -1;
	/* Born down in the container's netns: no frame leaves before its hooks exist. */
	ret = intent_begin(c, INTENT_ENDPOINT, r->name, r->ifname, parent, ns) ? -1 :
	      nl_macvlan_add(r->ifname, parent, r->parent, ns);
	if (ret < 0) {
		intent_end(c, r->name);
		close(ns);
		return -1;
	}
	made = true;
	ret = -1;
	p->parent = parent;
	p->flags |= SL_PORT_F_ENDPOINT | SL_PORT_F_OWNED;
	if (r->spoofchk != 0)
		p->flags |= SL_PORT_F_SPOOFCHK;
	if (r->has_addr)
		p->ip = r->addr;
	snprintf(p->netns, sizeof(p->netns), "%s", r->netns);
	if (in_netns(r->netns, ep_probe_here, c, p, (void *)r))
		goto undo;
	if (port_install(c, p))
		goto undo;
	installed = true;
	if (port_ns_record(c, p->ifindex, r->netns, ns) || addr6_install(c, p, &r->a6) ||
	    addr4_install(c, p, r->plen, &r->a4))
		goto undo;
	if (endpoint_progs_load(c, p->ifindex, &fds[0], &fds[1]) ||
	    in_netns(r->netns, ep_attach_here, c, p, fds))
		goto undo;
	if (in_netns(r->netns, ep_setup_here, c, p, (void *)r))
		goto undo;
	ret = 0;
	goto out;
undo:
	ep_unpin(c, p);
	if (installed) {
		port_uninstall(c, p);
		port_ns_forget(c, p->ifindex);
	}
	if (made)
		in_netns(r->netns, ep_delete_here, c, p, (void *)r);
out:
	for (int i = 0; i < 2; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	close(ns);
	intent_end(c, r->name);
	return ret;
}

void endpoint_remove(struct ctl *c, const struct sl_port *p, bool delete_device)
{
	uint32_t key = p->ifindex;

	struct port_ns ns;
	bool alive = delete_device && endpoint_alive(c, p);

	port_erase(c, key);
	ep_unpin(c, p);
	if (alive && port_ns_get(c, key, &ns) == 0)
		nl_link_del_in(ns.nsid, p->ep_ifindex);	/* wherever its netns is reachable from */
	else if (alive)
		in_netns(p->netns, ep_delete_here, c, p, NULL);
	port_ns_forget(c, key);
}

static bool ep_wants(const struct port_req *r)
{
	return r->macvlan && r->netns;
}

static int ep_check(const struct port_req *r)
{
	if (!r->parent)
		return errf("port %s: macvlan needs \"parent DEV\", the host device it sits on",
			   r->name);
	if (r->dev)
		return errf("port %s: give either \"dev\" or \"macvlan\"", r->name);
	return 0;
}

const struct port_kind port_kind_endpoint = {
	.name = "endpoint",
	.wants = ep_wants,
	.check = ep_check,
	.add = endpoint_add,
};
