// SPDX-License-Identifier: MIT
/* `sluice save [FILE]`: an instance's configuration as the sluice commands that rebuild it
 * (switches, VLAN gateways, ports not made by the CNI plugin, static FDB entries, NAT,
 * published ports). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include "addr4.h"
#include "build_info.h"
#include "ctl.h"
#include "port_maps.h"
#include "nat_ctl.h"
#include "nat6.h"
#include "netlink.h"
#include "parse.h"
#include "sluice_nat_fast.h"

static void put_cidr(FILE *f, const char *key, uint32_t addr, int plen)
{
	char a[16];

	format_ipv4(addr, a);
	fprintf(f, " %s %s/%d", key, a, plen);
}

/* Sorted by name, so that a save reads back identical whatever the map order. */
static int cmp_name(const void *a, const void *b)
{
	return strcmp((const char *)a, (const char *)b);
}

static int switches_save(struct ctl *c, FILE *f)
{
	char keys[256][SL_NAME_LEN], *prev = NULL;
	int n = 0;
	struct sl_switch sw;

	while (n < 256 && bpf_map_get_next_key(c->switches, prev, keys[n]) == 0)
		prev = keys[n++];
	qsort(keys, n, sizeof(keys[0]), cmp_name);
	for (int i = 0; i < n; i++) {
		if (bpf_map_lookup_elem(c->switches, keys[i], &sw))
			continue;
		fprintf(f, "switch add %s", keys[i]);
		if (sw.gw_ifindex)
			put_cidr(f, "addr", sw.gw_addr, sw.gw_plen);
		fputc('\n', f);
	}
	return n;
}

struct port_rec {
	struct sl_port p;
	char sw[SL_NAME_LEN];
};

static int cmp_port(const void *a, const void *b)
{
	return strcmp(((const struct port_rec *)a)->p.name, ((const struct port_rec *)b)->p.name);
}

struct peer_q {
	int peer;
	char *ifname;
	uint32_t *addr;
	int *plen;
};

static int peer_read_here(void *arg)
{
	struct peer_q *q = arg;
	struct nl_link_info li;

	if (nl_link_get(q->peer, &li))
		return -1;
	snprintf(q->ifname, IF_NAMESIZE, "%s", li.name);
	if (nl_addr_first(q->peer, q->addr, q->plen))
		*q->addr = 0;
	return 0;
}

/* The container end of veth P: its name and first address, read inside its netns. */
static int peer_read(const struct sl_port *p, char ifname[IF_NAMESIZE], uint32_t *addr,
		     int *plen)
{
	struct nl_link_info li;

	if (nl_link_get(p->ifindex, &li) || li.peer_ifindex <= 0)
		return errf("save: port %s: its veth peer is gone", p->name);
	if (netns_run(p->netns, peer_read_here,
		      &(struct peer_q){ li.peer_ifindex, ifname, addr, plen }))
		return errf("save: port %s: no peer in netns %s", p->name, p->netns);
	return 0;
}

static void vlan_opts(FILE *f, const struct sl_port *p)
{
	char list[1024];

	if (p->mode == SL_MODE_TRUNK) {
		format_vid_list((const uint64_t *)p->vids, list, sizeof(list));
		fprintf(f, " trunk %s", list);
		if (p->pvid)
			fprintf(f, " native %u", p->pvid);
	} else if (p->pvid != SL_VLAN_DEFAULT) {
		fprintf(f, " vlan %u", p->pvid);
	}
}

static const char *hook_word(int hook)
{
	return hook == SL_HOOK_XDP_NATIVE ? " xdp native" : hook == SL_HOOK_XDP_GENERIC ?
	       " xdp generic" : hook == SL_HOOK_XDP_OFFLOAD ? " xdp offload" : "";
}

/* A VLAN's gateway leg (a gateway port not named SWITCH-gw): `vlan add`. */
static int gateway_save(FILE *f, const struct port_rec *r)
{
	struct nl_link_info li;
	uint32_t addr;
	int plen;

	if (nl_link_get(r->p.ifindex, &li) || li.peer_ifindex <= 0 ||
	    nl_link_get(li.peer_ifindex, &li) || nl_addr_first(li.ifindex, &addr, &plen))
		return errf("save: gateway port %s: its host leg or address is gone", r->p.name);
	fprintf(f, "vlan add %s %u", r->sw, r->p.pvid);
	put_cidr(f, "addr", addr, plen);
	fprintf(f, " name %s\n", li.name);
	return 0;
}

static int port_save(struct ctl *c, FILE *f, const struct port_rec *r)
{
	const struct sl_port *p = &r->p;
	char ifname[IF_NAMESIZE], mac[18], parent[IF_NAMESIZE] = "";
	uint32_t addr = 0;
	int plen = 0;

	if (p->parent) {
		struct nl_link_info li;

		if (nl_link_get(p->parent, &li))
			return errf("save: port %s: its parent device is gone", p->name);
		snprintf(parent, sizeof(parent), "%s", li.name);
	}
	fprintf(f, "port add %s %s", r->sw, p->name);
	if (p->flags & SL_PORT_F_ENDPOINT) {
		format_mac(p->mac, mac);
		fprintf(f, " macvlan parent %s netns %s", parent, p->netns);
		if (p->ip)
			put_cidr(f, "addr", p->ip, 32);	/* the plen is not kept: see docs */
		addr4_save(c, f, p);
		fprintf(f, " mac %s", mac);
	} else if (p->flags & SL_PORT_F_PEER) {
		if (peer_read(p, ifname, &addr, &plen))
			return -1;
		format_mac(p->mac, mac);
		fprintf(f, " netns %s", p->netns);
		if (strcmp(ifname, "eth0"))
			fprintf(f, " ifname %s", ifname);
		if (addr)
			put_cidr(f, "addr", addr, plen);
		if (addr && addr == p->ip)	/* the first is the container's first */
			addr4_save(c, f, p);
		fprintf(f, " mac %s", mac);
	} else if ((p->flags & SL_PORT_F_LAN) && (p->flags & SL_PORT_F_OWNED)) {
		fprintf(f, " macvlan parent %s", parent);
	} else {
		fprintf(f, " dev");
	}
	fputs(hook_word(p->hook), f);
	vlan_opts(f, p);
	/* spoofchk defaults: on for container ports, off for devices */
	if (p->flags & (SL_PORT_F_PEER | SL_PORT_F_ENDPOINT)) {
		if (!(p->flags & SL_PORT_F_SPOOFCHK))
			fputs(" spoofchk off", f);
	} else if (p->flags & SL_PORT_F_SPOOFCHK) {
		fputs(" spoofchk on", f);
	}
	fputc('\n', f);
	return 0;
}

struct rec_q {
	struct port_rec *recs;
	int n;
};

static int port_rec_add(struct ctl *c, const struct sl_port *p, void *arg)
{
	struct rec_q *q = arg;

	q->recs[q->n].p = *p;
	switch_name_of(c, p->switch_id, q->recs[q->n].sw);
	return ++q->n == SL_PORTS_MAX;
}

static int ports_save(struct ctl *c, FILE *f, struct port_rec *recs, int *nrecs)
{
	struct rec_q q = { recs, 0 };
	int n, ret = 0;

	ports_for_each(c, port_rec_add, &q);
	n = q.n;
	qsort(recs, n, sizeof(*recs), cmp_port);
	*nrecs = n;
	for (int i = 0; i < n; i++) {	/* VLAN gateways before the ports that use them */
		char own[SL_NAME_LEN + 3];

		snprintf(own, sizeof(own), "%s-gw", recs[i].sw);
		if ((recs[i].p.flags & SL_PORT_F_GATEWAY) && strcmp(recs[i].p.name, own))
			ret |= gateway_save(f, &recs[i]);
	}
	for (int i = 0; i < n; i++)
		if (!(recs[i].p.flags & (SL_PORT_F_GATEWAY | SL_PORT_F_CNI)))
			ret |= port_save(c, f, &recs[i]);
	return ret;
}

/* Static entries on ports that are saved (a CNI port's come back with its runtime). */
static void fdb_save(struct ctl *c, FILE *f, const struct port_rec *recs, int n)
{
	struct sl_fdb_key k, next;
	struct sl_fdb_entry e;
	bool first = true;

	while (bpf_map_get_next_key(c->fdb, first ? NULL : &k, &next) == 0) {
		char mac[18];

		first = false;
		k = next;
		if (bpf_map_lookup_elem(c->fdb, &next, &e) || !(e.flags & SL_FDB_F_STATIC))
			continue;
		for (int i = 0; i < n; i++) {
			if (recs[i].p.ifindex != e.ifindex || (recs[i].p.flags & SL_PORT_F_CNI))
				continue;
			format_mac(next.mac, mac);
			fprintf(f, "fdb add %s %s port %s vlan %u\n", recs[i].sw, mac,
				recs[i].p.name, next.vid);
		}
	}
}

static int nat_save(struct ctl *c, FILE *f)
{
	static const char *const tnames[SL_NAT_ST_MAX] = SL_NAT_TIMEOUT_NAMES;
	int rules = -1, cfgfd = -1, ct = -1, ret = 0;
	struct bpf_map_info info = {};
	__u32 ilen = sizeof(info), zero = 0;
	struct sl_nat_cfg cfg;
	char path[PATH_MAX];

	if (!nat_loaded(c))
		return 0;
	snprintf(path, sizeof(path), "%s/%s", c->root, nat_map_names[NAT_RULES]);
	rules = bpf_obj_get(path);
	snprintf(path, sizeof(path), "%s/%s", c->root, nat_map_names[NAT_CFG]);
	cfgfd = bpf_obj_get(path);
	snprintf(path, sizeof(path), "%s/%s", c->root, nat_map_names[NAT_CT]);
	ct = bpf_obj_get(path);
	if (rules < 0 || cfgfd < 0 || ct < 0 || bpf_map_lookup_elem(cfgfd, &zero, &cfg) ||
	    bpf_obj_get_info_by_fd(ct, &info, &ilen)) {
		ret = errf("save: the NAT's maps under %s: %s", c->root, strerror(errno));
		goto out;
	}
	for (__u32 s = 0; s < SL_NAT_RULES_MAX; s++) {
		struct sl_nat_rule r;
		char a[16];

		if (bpf_map_lookup_elem(rules, &s, &r) || !r.used)
			continue;
		fprintf(f, "nat add %s", r.name);
		if (r.flags & SL_NAT_F_IPV6) {
			struct sl_nat6_rule r6;
			char a6[INET6_ADDRSTRLEN];

			if (nat6_rule_get(c, s, &r6))
				continue;
			inet_ntop(AF_INET6, r6.src, a6, sizeof(a6));
			fprintf(f, " src %s/%u out %s", a6, r6.plen, r.out_name);
			inet_ntop(AF_INET6, r6.ext, a6, sizeof(a6));
			if (!(r.flags & SL_NAT_F_FOLLOW))
				fprintf(f, " to %s", a6);
		} else {
			put_cidr(f, "src", r.src_addr, __builtin_popcount(r.src_mask));
			fprintf(f, " out %s", r.out_name);
		}
		if (!(r.flags & (SL_NAT_F_FOLLOW | SL_NAT_F_IPV6))) {
			format_ipv4(r.ext_addr, a);
			fprintf(f, " to %s", a);
		}
		if (r.flags & SL_NAT_F_PORTS)
			fprintf(f, " ports %u-%u", r.port_lo, r.port_hi);
		if (r.flags & SL_NAT_F_RANDOM)
			fputs(" random", f);
		if (r.flags & SL_NAT_F_SLOWPATH)
			fputs(" fastpath off", f);
		if (r.flags & SL_NAT_F_XDP)
			fprintf(f, " xdp %s", nat_xdp_mode_name(r.flags));
		/* one connection = two table entries (nat_load sizes the table that way) */
		if (info.max_entries != SL_NAT_FLOWS_DEFAULT * 2)
			fprintf(f, " conntrack %u", info.max_entries / 2);
		fputc('\n', f);
	}
	for (int st = 0; st < SL_NAT_ST_MAX; st++)
		if (cfg.timeout[st])
			fprintf(f, "nat timeouts %s %u\n", tnames[st], cfg.timeout[st]);
	ret = nat_publish_save(c, f);
out:
	if (rules >= 0)
		close(rules);
	if (cfgfd >= 0)
		close(cfgfd);
	if (ct >= 0)
		close(ct);
	return ret;
}

/* The commands, without the header, on an open instance; RECS holds SL_PORTS_MAX. */
static int save_write(struct ctl *c, FILE *f, struct port_rec *recs)
{
	int n = 0, ret;

	switches_save(c, f);
	ret = ports_save(c, f, recs, &n);
	fdb_save(c, f, recs, n);
	return ret | nat_save(c, f);
}

/* -batch's snapshot: the configuration as a malloc'ed text in *OUT (empty when the
 * instance does not exist yet). */
int save_to_memory(const char *instance, char **out)
{
	struct ctl c = { .instance = instance, .lock_fd = -1 };
	struct port_rec *recs = calloc(SL_PORTS_MAX, sizeof(*recs));
	size_t len = 0;
	FILE *f = open_memstream(out, &len);
	int ret = -1, q = recs && f ? instance_open_query(&c) : -1;

	if (q == 0)
		ret = save_write(&c, f, recs);
	else if (q == 1)
		ret = 0;
	instance_close(&c);
	if (f)
		fclose(f);
	free(recs);
	if (ret) {
		free(f ? *out : NULL);
		*out = NULL;
	}
	return ret;
}

int cmd_save(struct ctl *c, int argc, char **argv)
{
	struct port_rec *recs;
	FILE *f = stdout;
	char tmp[PATH_MAX];
	int ret;

	if (argc > 1)
		return errf("usage: sluice save [FILE]");
	if (instance_open(c, false))
		return -1;
	recs = calloc(SL_PORTS_MAX, sizeof(*recs));
	if (!recs)
		return errf("save: out of memory");
	if (argc == 1) {	/* written aside and renamed: a failed save keeps the old file */
		snprintf(tmp, sizeof(tmp), "%s.tmp", argv[0]);
		f = fopen(tmp, "w");
		if (!f) {
			free(recs);
			return errf("save: %s: %s", tmp, strerror(errno));
		}
	}
	fprintf(f, "# sluice configuration of instance %s (sluice %s); apply with\n"
		"# sluice --instance %s -batch FILE\n", c->instance, build_id(), c->instance);
	ret = save_write(c, f, recs);
	free(recs);
	if (f != stdout) {
		if (fclose(f) || ret) {
			unlink(tmp);
			return ret ? -1 : errf("save: %s: %s", tmp, strerror(errno));
		}
		if (rename(tmp, argv[0])) {
			unlink(tmp);
			return errf("save: %s: %s", argv[0], strerror(errno));
		}
	}
	return ret ? -1 : 0;
}
