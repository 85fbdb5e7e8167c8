// SPDX-License-Identifier: MIT
/* The NAT's view of the host's own subnets: the sl_nat_local trie rebuilt from every switch
 * address and VLAN gateway whenever one comes or goes, so the datapath needs no walk. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include "ctl.h"
#include "port_maps.h"
#include "nat_ctl.h"
#include "netlink.h"
#include "parse.h"
#include "sluice_nat_pub.h"

struct local_set {
	struct sl_nat_local_key key[SL_NAT_LOCAL_MAX];
	struct sl_nat_local val[SL_NAT_LOCAL_MAX];
	__be32 gw[SL_NAT_LOCAL_MAX];	/* the gateway's own address (hairpin source) */
	int n;
};

static void local_set_add(struct local_set *s, uint32_t addr, int plen, uint32_t switch_id,
			  uint16_t vid)
{
	struct sl_nat_local_key k;

	if (plen < 1 || plen > 32 || s->n == SL_NAT_LOCAL_MAX)
		return;
	k.prefixlen = plen;
	k.addr = addr & mask_of(plen);
	for (int i = 0; i < s->n; i++)
		if (!memcmp(&s->key[i], &k, sizeof(k)))
			return;	/* a switch's own gateway is also a gateway port */
	s->key[s->n] = k;
	s->val[s->n] = (struct sl_nat_local){ .switch_id = switch_id, .vid = vid };
	s->gw[s->n] = addr;
	s->n++;
}

static bool local_set_has(const struct local_set *s, const struct sl_nat_local_key *k)
{
	for (int i = 0; i < s->n; i++)
		if (s->key[i].prefixlen == k->prefixlen && s->key[i].addr == k->addr)
			return true;
	return false;
}

/* Every gateway subnet of the instance: switch addresses from sl_switches, VLAN gateways
 * from the address of the host end of each gateway port. */
static int local_gateway(struct ctl *c, const struct sl_port *p, void *s)
{
	struct nl_link_info li;
	uint32_t addr;
	int plen;

	(void)c;
	if ((p->flags & SL_PORT_F_GATEWAY) && !nl_link_get(p->ifindex, &li) &&
	    li.peer_ifindex > 0 && !nl_addr_first(li.peer_ifindex, &addr, &plen))
		local_set_add(s, addr, plen, p->switch_id, p->pvid);
	return 0;
}

static void local_set_collect(struct ctl *c, struct local_set *s)
{
	char key[SL_NAME_LEN], prev[SL_NAME_LEN];
	struct sl_switch sw;
	bool first = true;

	while (bpf_map_get_next_key(c->switches, first ? NULL : prev, key) == 0) {
		memcpy(prev, key, sizeof(prev));
		first = false;
		if (!bpf_map_lookup_elem(c->switches, key, &sw) && sw.gw_ifindex)
			local_set_add(s, sw.gw_addr, sw.gw_plen, sw.id, SL_VLAN_DEFAULT);
	}
	ports_for_each(c, local_gateway, s);
}

/* sl_nat_gw, (switch, VLAN) -> gateway address, from the same set: the source a hairpin
 * connection's target sees (nat_hairpin.h). Absent in an instance whose NAT predates it. */
static int gw_sync(struct ctl *c, const struct local_set *want)
{
	struct sl_nat_local k, next;
	char path[PATH_MAX];
	bool first = true;
	int fd, ret = 0;

	snprintf(path, sizeof(path), "%s/%s", c->root, SL_NAT_GW_MAP);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return errno == ENOENT ? 0 : errf("map %s: %s", path, strerror(errno));
	for (int i = 0; i < want->n && !ret; i++)
		if (bpf_map_update_elem(fd, &want->val[i], &want->gw[i], BPF_ANY))
			ret = errf("write map %s: %s", SL_NAT_GW_MAP, strerror(errno));
	while (!ret && bpf_map_get_next_key(fd, first ? NULL : &k, &next) == 0) {
		bool live = false;

		first = false;
		k = next;
		for (int i = 0; i < want->n && !live; i++)
			live = !memcmp(&want->val[i], &k, sizeof(k));
		if (!live && bpf_map_delete_elem(fd, &k) == 0)
			first = true;	/* the walk restarts: the deleted key cannot be its cursor */
	}
	close(fd);
	return ret;
}

int nat_local_sync(struct ctl *c)
{
	static struct local_set want;	/* 20 KiB each: off the stack */
	static struct sl_nat_local_key have[SL_NAT_LOCAL_MAX];
	char path[PATH_MAX];
	int fd, n = 0, ret = 0;

	snprintf(path, sizeof(path), "%s/%s", c->root, NAT_LOCAL_MAP);
	fd = bpf_obj_get(path);
	if (fd < 0)	/* no NAT rule yet: `nat add` syncs when it loads the NAT */
		return errno == ENOENT ? 0 : errf("map %s: %s", path, strerror(errno));
	want.n = 0;
	local_set_collect(c, &want);
	while (n < SL_NAT_LOCAL_MAX &&
	       bpf_map_get_next_key(fd, n ? &have[n - 1] : NULL, &have[n]) == 0)
		n++;
	/* New entries first, then stale ones out: no moment without a live subnet. */
	for (int i = 0; i < want.n && !ret; i++)
		if (bpf_map_update_elem(fd, &want.key[i], &want.val[i], BPF_ANY))
			ret = errf("write map %s: %s", NAT_LOCAL_MAP, strerror(errno));
	for (int i = 0; i < n && !ret; i++)
		if (!local_set_has(&want, &have[i]) && bpf_map_delete_elem(fd, &have[i]) &&
		    errno != ENOENT)
			ret = errf("delete from map %s: %s", NAT_LOCAL_MAP, strerror(errno));
	close(fd);
	if (!ret)
		ret = gw_sync(c, &want);
	/* A new gateway gets the NAT's fail-closed guard with its subnet (nat_guard.c). */
	return ret ? ret : nat_guard_sync(c);
}
