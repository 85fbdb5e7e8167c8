// SPDX-License-Identifier: MIT
/* The daemon's NAT round (nat_ct_gc): rules following their uplink's address, expired
 * connections and unused mappings removed, then NAT66's round. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "ctl.h"
#include "events.h"
#include "nat_ctl.h"
#include "nat_maps.h"
#include "nat6.h"
#include "netlink.h"
#include "output.h"
#include "parse.h"

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);	/* bpf_ktime_get_ns()'s clock */
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void ct_key_twin(const struct sl_nat_ct_key *k, const struct sl_nat_ct *v,
			struct sl_nat_ct_key *twin)
{
	/* ORIG (in -> rem) <-> REPLY (rem -> ext): swap ends, the value holds the other side. */
	*twin = (struct sl_nat_ct_key){ .saddr = k->dir == SL_NAT_DIR_ORIG ? k->daddr : v->addr,
					.daddr = k->dir == SL_NAT_DIR_ORIG ? v->addr : k->saddr,
					.sport = k->dir == SL_NAT_DIR_ORIG ? k->dport : v->port,
					.dport = k->dir == SL_NAT_DIR_ORIG ? v->port : k->sport,
					.proto = k->proto,
					.dir = k->dir == SL_NAT_DIR_ORIG ? SL_NAT_DIR_REPLY :
									   SL_NAT_DIR_ORIG };
}

static int map_key_cmp(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct sl_nat_map_key));
}

/* Expired connections go, with their other half; REPLY halves whose ORIG half is gone
 * go after a grace period (the datapath makes REPLY first); then mappings no live
 * connection uses. */
static void nat_expire(struct nat *n)
{
	uint64_t now = mono_ns();
	struct sl_nat_map_key *live = NULL, *mk;
	struct sl_nat_ct_key *k, twin;
	long nk, nlive = 0;

	nk = keys_collect(n->fd[NAT_CT], sizeof(*k), (void **)&k);
	if (nk > 0)
		live = calloc(nk, sizeof(*live));
	for (long i = 0; i < nk && live; i++) {
		struct sl_nat_ct v, tv;

		if (bpf_map_lookup_elem(n->fd[NAT_CT], &k[i], &v))
			continue;
		ct_key_twin(&k[i], &v, &twin);
		if (k[i].dir == SL_NAT_DIR_ORIG && v.expires <= now) {
			ev_inject_conn_expired(&k[i], &v);
			bpf_map_delete_elem(n->fd[NAT_CT], &k[i]);
			bpf_map_delete_elem(n->fd[NAT_CT], &twin);
		} else if (k[i].dir == SL_NAT_DIR_ORIG) {
			live[nlive++] = (struct sl_nat_map_key){ .addr = k[i].saddr,
								 .port = k[i].sport,
								 .proto = k[i].proto };
		} else if (bpf_map_lookup_elem(n->fd[NAT_CT], &twin, &tv) &&
			   now > v.expires + SL_NAT_MAP_GRACE_NS) {
			bpf_map_delete_elem(n->fd[NAT_CT], &k[i]);
		}
	}
	free(k);
	if (nk > 0 && !live)
		return;		/* out of memory: keep every mapping this round */
	qsort(live, nlive, sizeof(*live), map_key_cmp);
	nk = keys_collect(n->fd[NAT_MAP], sizeof(*mk), (void **)&mk);
	for (long i = 0; i < nk; i++) {
		struct sl_nat_map v, rv;
		struct sl_nat_map_key rk;

		if (bpf_map_lookup_elem(n->fd[NAT_MAP], &mk[i], &v) ||
		    now < v.last_used + SL_NAT_MAP_GRACE_NS ||
		    bsearch(&mk[i], live, nlive, sizeof(*live), map_key_cmp))
			continue;
		rk = (struct sl_nat_map_key){ .addr = v.addr, .port = v.port, .proto = mk[i].proto };
		bpf_map_delete_elem(n->fd[NAT_MAP], &mk[i]);
		if (bpf_map_lookup_elem(n->fd[NAT_RMAP], &rk, &rv) == 0 && rv.addr == mk[i].addr &&
		    rv.port == mk[i].port)
			bpf_map_delete_elem(n->fd[NAT_RMAP], &rk);
	}
	free(mk);
	/* External ports whose owner has no mapping (a claim whose CPU lost the race). */
	nk = keys_collect(n->fd[NAT_RMAP], sizeof(*mk), (void **)&mk);
	for (long i = 0; i < nk; i++) {
		struct sl_nat_map rv, v;
		struct sl_nat_map_key fk;

		if (bpf_map_lookup_elem(n->fd[NAT_RMAP], &mk[i], &rv) ||
		    now < rv.last_used + SL_NAT_MAP_GRACE_NS)
			continue;
		fk = (struct sl_nat_map_key){ .addr = rv.addr, .port = rv.port, .proto = mk[i].proto };
		if (bpf_map_lookup_elem(n->fd[NAT_MAP], &fk, &v) || v.addr != mk[i].addr ||
		    v.port != mk[i].port)
			bpf_map_delete_elem(n->fd[NAT_RMAP], &mk[i]);
	}
	free(mk);
	free(live);
}

/* Rules without "to" follow their uplink's primary address, as MASQUERADE does: on a
 * change the rule moves and the connections of the old address are flushed. */
static void nat_follow(struct nat *n)
{
	for (__u32 s = 0; s < SL_NAT_RULES_MAX; s++) {
		struct sl_nat_rule r = n->rule[s];
		__be32 addr, old = r.ext_addr;
		char was[16], now[16];
		long flushed;
		int plen;

		if (!r.used || !(r.flags & SL_NAT_F_FOLLOW) || (r.flags & SL_NAT_F_IPV6) ||
		    nl_addr_first(r.out_ifindex, &addr, &plen) || addr == old)
			continue;	/* no address now: keep the last one until one comes */
		r.ext_addr = addr;
		if (rule_put(n, s, &r))
			continue;
		flushed = nat_flush(n, old, -1);
		format_ipv4(old, was);
		format_ipv4(addr, now);
		fprintf(stderr, "sluice daemon: nat %s: %s address %s -> %s, %ld connections "
			"flushed\n", r.name, r.out_name, was, now, flushed);
	}
}

void nat_ct_gc(struct ctl *c)
{
	struct nat n;

	nat_uplinks_follow(c);
	if (!nat_loaded(c) || nat_maps_open(c, &n))
		return;
	nat_follow(&n);
	nat_expire(&n);
	nat6_round(c, n.rule);
	nat_close(&n);
}
