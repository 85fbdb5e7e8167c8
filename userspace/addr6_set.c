// SPDX-License-Identifier: MIT
/* `port set PORT addr CIDR6... [gw6 IP6] [trusted on|off]`: a live container port's IPv6
 * addresses replaced, in its netns first and then in the guard's maps. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <bpf/bpf.h>
#include "addr6.h"
#include "netlink.h"

int addr6_port_set_check(struct ctl *c, const struct sl_port *p, struct addr6_req *a)
{
	struct maps6 m;
	int ret;

	if (!a->n && !a->has_gw6)
		return 0;
	if (!a->n)
		return errf("port %s: gw6 comes with the port's IPv6 \"addr\" list", p->name);
	if (!(p->flags & (SL_PORT_F_PEER | SL_PORT_F_ENDPOINT)) || !p->netns[0])
		return errf("port %s: IPv6 addresses are for container ports", p->name);
	if (maps6_open(c, &m, false))
		return -1;
	ret = addr6_taken(c, &m, p->switch_id, p->slot, a);
	if (!ret)
		gw6_default(&m, p->switch_id, a);
	maps6_close(&m);
	return ret;
}

/* P's own addresses (not its EUI-64 link-local) into OLD. */
static void owned_list(struct maps6 *m, const struct sl_port *p, struct addr6_req *old)
{
	struct sl_addr6_key k, next;
	struct sl_addr6 v;
	bool first = true;

	while (old->n < SL_ADDR6_PORT_MAX &&
	       bpf_map_get_next_key(m->addr, first ? NULL : &k, &next) == 0) {
		first = false;
		k = next;
		if (next.switch_id != p->switch_id || bpf_map_lookup_elem(m->addr, &next, &v) ||
		    v.slot != p->slot || (v.flags & SL_ADDR6_F_AUTO_LL))
			continue;
		memcpy(old->addr[old->n], next.addr, 16);
		old->plen[old->n++] = v.plen;
	}
}

static bool req_has(const struct addr6_req *a, const uint8_t *addr)
{
	for (int i = 0; i < a->n; i++)
		if (!memcmp(a->addr[i], addr, 16))
			return true;
	return false;
}

/* In the container (current netns): device IFX gets NEW's addresses instead of OLD's. */
static int peer_readdr(const struct addr6_req *old, const struct addr6_req *new, int ifx)
{
	char ifname[IF_NAMESIZE];

	if (!if_indextoname(ifx, ifname))
		return errf("device ifindex %d is gone from the container", ifx);
	if (ipv6_enable(ifname))
		return -1;
	for (int i = 0; i < new->n; i++)
		if (!req_has(old, new->addr[i]) && nl_addr6_add(ifx, new->addr[i], new->plen[i]))
			return -1;
	for (int i = 0; i < old->n; i++)
		if (!req_has(new, old->addr[i]) && nl_addr6_del(ifx, old->addr[i], old->plen[i]))
			return -1;
	return new->has_gw6 ? nl_route6_add_default(new->gw6, ifx, true) : 0;
}

struct readdr_q {
	const struct addr6_req *old, *new;
	int ifx;
};

static int peer_readdr_here(void *arg)
{
	const struct readdr_q *q = arg;

	return peer_readdr(q->old, q->new, q->ifx);
}

/* `port set P addr CIDR6...`: configure the container first, then the maps. */
static int port_readdr(struct ctl *c, const struct sl_port *p, const struct addr6_req *a,
		       struct maps6 *m)
{
	struct addr6_req old = ADDR6_REQ_INIT;
	struct sl_addr6_key k = { .switch_id = p->switch_id };
	struct sl_addr6 v = { .slot = p->slot };
	int ifx = p->ep_ifindex;
	struct nl_link_info li;

	owned_list(m, p, &old);
	if (!(p->flags & SL_PORT_F_ENDPOINT))	/* a veth: its peer's ifindex in there */
		ifx = nl_link_get(p->ifindex, &li) ? -1 : li.peer_ifindex;
	if (ifx <= 0)
		return errf("port %s: its container device is gone", p->name);
	if (netns_run(p->netns, peer_readdr_here, &(struct readdr_q){ &old, a, ifx }))
		return -1;
	for (int i = 0; i < old.n; i++) {
		memcpy(k.addr, old.addr[i], 16);
		if (!req_has(a, k.addr))
			bpf_map_delete_elem(m->addr, &k);
	}
	for (int i = 0; i < a->n; i++) {
		memcpy(k.addr, a->addr[i], 16);
		v.plen = a->plen[i];
		v.flags = ip6_is_ll(k.addr) ? SL_ADDR6_F_LINKLOCAL : 0;
		if (bpf_map_update_elem(m->addr, &k, &v, BPF_ANY))
			return errf("port %s: map sl_addr6: %s", p->name, strerror(errno));
	}
	return 0;
}

int addr6_port_set(struct ctl *c, const struct sl_port *p, const struct addr6_req *a)
{
	uint32_t slot = p->slot;
	struct sl_port6 v;
	struct maps6 m;
	int ret = 0;

	if (a->trusted < 0 && !a->n)
		return 0;
	if (maps6_open(c, &m, false))
		return -1;
	if (bpf_map_lookup_elem(m.port, &slot, &v))
		memset(&v, 0, sizeof(v));
	if (a->trusted >= 0)
		v.flags = a->trusted ? v.flags | SL_PORT6_F_TRUSTED : v.flags & ~SL_PORT6_F_TRUSTED;
	if (a->n) {
		ret = port_readdr(c, p, a, &m);
		v.flags |= SL_PORT6_F_CHECK;
		v.naddr = a->n;
		memset(v.gw6, 0, sizeof(v.gw6));
		if (a->has_gw6)
			memcpy(v.gw6, a->gw6, 16);
	}
	if (!ret && bpf_map_update_elem(m.port, &slot, &v, BPF_ANY))
		ret = errf("port %s: map sl_port6: %s", p->name, strerror(errno));
	maps6_close(&m);
	return ret;
}
