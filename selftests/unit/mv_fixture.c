// SPDX-License-Identifier: MIT
/* Owns the macvlan tests' plumbing: endpoint and LAN-hook skeletons sharing the switch
 * fixture's maps, endpoint port records, test runs, and the veth wire for metadata tags. */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "netlink.h"
#include "switch_tc.skel.h"
#include "endpoint_tc.skel.h"
#include "lan_tc.skel.h"
#include "mv_fixture.h"

/* A veth delivers in microseconds; the 6.1 guest runs under TCG. */
#define WIRE_WAIT_MS	2000

/* Every switch map of OBJ becomes the fixture's by fd; maps of its own (sl_lan) and
 * .rodata stay private and unpinned. */
static void share_maps(struct sw *sw, struct bpf_object *obj)
{
	struct bpf_map *m;

	bpf_object__for_each_map(m, obj) {
		struct bpf_map *tm = bpf_map__is_internal(m) ? NULL :
			bpf_object__find_map_by_name(sw->tc->obj, bpf_map__name(m));

		if (bpf_map__set_pin_path(m, NULL) || (tm && bpf_map__reuse_fd(m, bpf_map__fd(tm))))
			runner_fail(__FILE__, __LINE__, "share map %s", bpf_map__name(m));
	}
}

static void ep_close(void *arg)
{
	struct ep *ep = arg;

	endpoint_tc__destroy(ep->skel);
	free(ep);
}

struct ep *mv_endpoint_bare(struct sw *sw, int n, __u32 key)
{
	struct ep *ep = calloc(1, sizeof(*ep));

	if (!ep)
		runner_fail(__FILE__, __LINE__, "out of memory");
	sw_ifindex(n);	/* checks N */
	ep->key = key;
	ep->n = n;
	ep->skel = endpoint_tc__open();
	if (!ep->skel) {
		free(ep);
		runner_fail(__FILE__, __LINE__, "endpoint_tc__open: %s", strerror(errno));
	}
	runner_defer(ep_close, ep);
	share_maps(sw, ep->skel->obj);
	/* Each endpoint's own copy, as the controller loads it. */
	ep->skel->rodata->sl_ep_key = key;
	if (endpoint_tc__load(ep->skel))
		runner_fail(__FILE__, __LINE__, "endpoint_tc__load: %s (-v for the log)",
			    strerror(errno));
	return ep;
}

/* The record the controller writes: keyed by slot, no host device, no flood list. */
struct ep *mv_endpoint(struct sw *sw, int n, const struct port_opts *o)
{
	__u32 slot = n + 1, key = SL_EP_KEY(slot);
	struct sl_port p = {
		.ifindex = key,
		.switch_id = o->switch_id ? o->switch_id : 1,
		.pvid = o->pvid,
		.mode = o->mode,
		.hook = SL_HOOK_TC,
		.flags = o->flags | SL_PORT_F_ENDPOINT,
		.ip = o->ip,
		.slot = slot,
		.parent = sw_ifindex(n),	/* checks N */
		.ep_ifindex = 2,		/* an ifindex in the container's netns */
	};

	if (sw->port[n].switch_id)
		runner_fail(__FILE__, __LINE__, "veth %d is a switch port, its slot is taken", n);
	if (o->mac)
		memcpy(p.mac, o->mac, sizeof(p.mac));
	snprintf(p.name, sizeof(p.name), "ep%d", n);
	snprintf(p.netns, sizeof(p.netns), "ctr%d", n);
	for (int i = 0; i < 8 && o->vids[i]; i++)
		p.vids[o->vids[i] / 64] |= 1ULL << (o->vids[i] % 64);
	if (bpf_map_update_elem(sw->ports, &key, &p, BPF_ANY))
		runner_fail(__FILE__, __LINE__, "install endpoint %d: %s", n, strerror(errno));
	return mv_endpoint_bare(sw, n, key);
}

/* The endpoint's device lives in a container's netns: any device does for test_run. */
struct run mv_ep_egress(struct ep *ep, const struct pkt *p)
{
	return run_skb(ep->skel->progs.sl_ep_egress, sw_ifindex(ep->n), p);
}

struct run mv_ep_ingress(struct ep *ep, const struct pkt *p)
{
	return run_skb(ep->skel->progs.sl_ep_ingress, sw_ifindex(ep->n), p);
}

static void lan_close(void *arg)
{
	struct lan *l = arg;

	lan_tc__destroy(l->skel);
	free(l);
}

struct lan *mv_lan_open(struct sw *sw)
{
	struct lan *l = calloc(1, sizeof(*l));

	if (!l)
		runner_fail(__FILE__, __LINE__, "out of memory");
	l->skel = lan_tc__open();
	if (!l->skel) {
		free(l);
		runner_fail(__FILE__, __LINE__, "lan_tc__open: %s", strerror(errno));
	}
	runner_defer(lan_close, l);
	share_maps(sw, l->skel->obj);
	if (lan_tc__load(l->skel))
		runner_fail(__FILE__, __LINE__, "lan_tc__load: %s (-v for the log)",
			    strerror(errno));
	l->map = bpf_map__fd(l->skel->maps.sl_lan);
	return l;
}

void mv_lan_add(struct lan *l, int parent, int n)
{
	__u32 k = sw_ifindex(parent), v = sw_ifindex(n);

	if (bpf_map_update_elem(l->map, &k, &v, BPF_ANY))
		runner_fail(__FILE__, __LINE__, "sl_lan: %s", strerror(errno));
}

/* skb->ifindex is the parent: test_run takes it from the context. */
struct run mv_lan_in(struct lan *l, int parent, const struct pkt *p)
{
	return run_skb(l->skel->progs.sl_lan_ingress, sw_ifindex(parent), p);
}

struct run mv_lan_out(struct lan *l, int parent, const struct pkt *p)
{
	return run_skb(l->skel->progs.sl_lan_egress, sw_ifindex(parent), p);
}

/* Read frames from RX until one carries P's source MAC (a veth also carries the stack's
 * own IPv6 chatter) or the wait is over. */
static int wire_read(int rx, const struct pkt *p, struct wire *w)
{
	__u64 end = now_ns() + WIRE_WAIT_MS * 1000000ULL;

	while (now_ns() < end) {
		struct pollfd pfd = { .fd = rx, .events = POLLIN };
		char cbuf[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
		struct iovec iov = { .iov_base = w->data, .iov_len = sizeof(w->data) };
		struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
				      .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
		ssize_t len;
		int ready = poll(&pfd, 1, 50);

		if (ready < 0)
			return -errno;
		if (!ready)
			continue;
		len = recvmsg(rx, &msg, MSG_DONTWAIT);
		if (len < 0)
			return -errno;
		if (len < ETH_HLEN || memcmp(w->data + ETH_ALEN, p->data + ETH_ALEN, ETH_ALEN))
			continue;
		w->seen = true;
		w->len = len;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
			struct tpacket_auxdata aux;

			if (c->cmsg_level != SOL_PACKET || c->cmsg_type != PACKET_AUXDATA)
				continue;
			memcpy(&aux, CMSG_DATA(c), sizeof(aux));
			w->tagged = aux.tp_status & TP_STATUS_VLAN_VALID;
			w->tci = aux.tp_vlan_tci;
			w->tpid = aux.tp_status & TP_STATUS_VLAN_TPID_VALID ? aux.tp_vlan_tpid :
									      ETH_P_8021Q;
		}
		return 0;
	}
	return 0;
}

/* A packet socket's frame takes the real transmit path, tc egress included; the receiver
 * sees it after the stack moved any tag into metadata, which PACKET_AUXDATA reports. */
struct wire mv_wire(int n, struct bpf_program *prog, const struct pkt *p, const char *rx_name)
{
	char peer[IF_NAMESIZE];
	int ifx = sw_ifindex(n), rx_ifx, rx = -1, tx = -1, one = 1, ret;
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifx, .attach_point = BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, tco, .handle = 1, .priority = 1, .prog_fd = bpf_program__fd(prog));
	struct sockaddr_ll to = { .sll_family = AF_PACKET, .sll_ifindex = ifx,
				  .sll_halen = ETH_ALEN };
	struct sockaddr_ll at = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL) };
	struct wire w = {};
	const char *what;

	snprintf(peer, sizeof(peer), "ut%dp", n);
	rx_ifx = nl_link_index(rx_name ? rx_name : peer);
	if (rx_ifx < 0)
		runner_fail(__FILE__, __LINE__, "no device %s", rx_name ? rx_name : peer);
	at.sll_ifindex = rx_ifx;
	/* skb->protocol: the EtherType, or a data tag's TPID, which vlan_pop wants to see. */
	memcpy(&to.sll_protocol, p->data + 2 * ETH_ALEN, 2);
	memcpy(to.sll_addr, p->data, ETH_ALEN);
	what = "packet socket";
	rx = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
	tx = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);	/* protocol 0: never receives */
	ret = rx < 0 || tx < 0 || bind(rx, (struct sockaddr *)&at, sizeof(at)) ||
	      setsockopt(rx, SOL_PACKET, PACKET_AUXDATA, &one, sizeof(one)) ? -errno : 0;
	if (!ret) {
		what = "clsact";
		ret = bpf_tc_hook_create(&hook);
		if (ret == -EEXIST)
			ret = 0;
	}
	if (!ret) {
		what = "tc attach";
		ret = bpf_tc_attach(&hook, &tco);
	}
	if (!ret) {
		what = "send";
		ret = sendto(tx, p->data, p->len, 0, (struct sockaddr *)&to, sizeof(to)) ==
		      (ssize_t)p->len ? 0 : -errno;
	}
	if (!ret) {
		what = "receive";
		ret = wire_read(rx, p, &w);
	}
	/* Both points: the whole clsact qdisc goes, filter and all. */
	hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
	bpf_tc_hook_destroy(&hook);
	if (rx >= 0)
		close(rx);
	if (tx >= 0)
		close(tx);
	if (ret)
		runner_fail(__FILE__, __LINE__, "wire on veth %d: %s: %s", n, what, strerror(-ret));
	return w;
}
