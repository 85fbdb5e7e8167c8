// SPDX-License-Identifier: MIT
/* NAT66's connection table on the controller side: `nat ct show|count` entries, flushes
 * by rule or external address, and the daemon's round (address following, expiry, GC). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <bpf/bpf.h>
#include "nat6.h"
#include "nat_ctl.h"
#include "output.h"

enum { T_CT, T_MAP, T_RMAP, T_FRAG, T_RULES, T_N };
static const char *const names[T_N] = { "sl_nat6_ct", "sl_nat6_map", "sl_nat6_rmap",
					"sl_nat6_frag", "sl_nat6_rules" };
static const char *const state_names[SL_NAT_ST_MAX] = SL_NAT_STATE_NAMES;

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* 0 with every table open; 1 when this instance has no NAT66 tables (older build). */
static int tables_open(struct ctl *c, int fd[T_N])
{
	char path[PATH_MAX];

	for (int i = 0; i < T_N; i++) {
		snprintf(path, sizeof(path), "%s/%s", c->root, names[i]);
		fd[i] = bpf_obj_get(path);
	}
	for (int i = 0; i < T_N; i++)
		if (fd[i] < 0) {
			for (int j = 0; j < T_N; j++)
				if (fd[j] >= 0)
					close(fd[j]);
			return 1;
		}
	return 0;
}

static void tables_close(int fd[T_N])
{
	for (int i = 0; i < T_N; i++)
		close(fd[i]);
}

static bool in6(const __u32 *a, const struct sl_nat6_rule *p)
{
	for (int i = 0; i < 4; i++)
		if ((a[i] & p->mask[i]) != p->src[i])
			return false;
	return true;
}

static void endpoint(const __u32 *a, __be16 port, char *buf, size_t len)
{
	char s[INET6_ADDRSTRLEN];

	inet_ntop(AF_INET6, a, s, sizeof(s));
	snprintf(buf, len, "[%s]:%u", s, ntohs(port));
}

static int state_of(const struct sl_nat_ct *v)
{
	if (v->state == SL_NAT_ST_UDP && (v->flags & SL_NAT_CT_F_REPLIED))
		return SL_NAT_ST_MAX;	/* REPLIED, as nat_ct.c shows it */
	return v->state;
}

static bool match(const struct nat6_ct_filter *f, const struct sl_nat6_ct_key *k,
		  const struct sl_nat6_ct *v)
{
	int proto = k->proto == 58 ? IPPROTO_ICMP : k->proto;

	return !f->v4_addr && (f->proto < 0 || proto == f->proto) &&
	       (!f->has_src || in6(k->saddr, &f->src)) && (!f->has_dst || in6(k->daddr, &f->dst)) &&
	       (f->sport < 0 || ntohs(k->sport) == f->sport) &&
	       (f->dport < 0 || ntohs(k->dport) == f->dport) &&
	       (f->state < 0 || state_of(&v->c) == f->state) &&
	       (f->rule < 0 || v->c.rule == (__u32)f->rule);
}

long nat6_ct_list(struct ctl *c, const struct nat6_ct_filter *f, json_object *arr,
		  const struct sl_nat_rule *rules)
{
	struct sl_nat6_ct_key k, next, *prev = NULL;
	uint64_t now = mono_ns();
	struct sl_nat6_ct v;
	int fd[T_N];
	long hits = 0;
	char buf[64];

	if (tables_open(c, fd))
		return 0;
	while (bpf_map_get_next_key(fd[T_CT], prev, &next) == 0) {
		k = next;
		prev = &k;
		if (k.dir != SL_NAT_DIR_ORIG || bpf_map_lookup_elem(fd[T_CT], &k, &v) ||
		    v.c.expires <= now || !match(f, &k, &v))
			continue;
		hits++;
		if (!arr)
			continue;
		json_object *o = json_object_new_object();

		jadd_str(o, "proto", k.proto == IPPROTO_TCP ? "tcp" : k.proto == IPPROTO_UDP ?
			 "udp" : "icmp6");
		endpoint(k.saddr, k.sport, buf, sizeof(buf));
		jadd_str(o, "src", buf);
		endpoint(k.daddr, k.dport, buf, sizeof(buf));
		jadd_str(o, "dst", buf);
		endpoint(v.addr, v.c.port, buf, sizeof(buf));
		jadd_str(o, "nat", buf);
		jadd_str(o, "state", state_of(&v.c) == SL_NAT_ST_MAX ? "REPLIED" :
			 v.c.state < SL_NAT_ST_MAX ? state_names[v.c.state] : "?");
		jadd_int(o, "expires", (int64_t)((v.c.expires - now) / 1000000000ULL));
		jadd_str(o, "rule", v.c.rule < SL_NAT_RULES_MAX ? rules[v.c.rule].name : "?");
		json_object_array_add(arr, o);
	}
	tables_close(fd);
	return hits;
}

/* Delete every key of map FD for which KEEP says no; KSIZE/VSIZE the entry's sizes. */
static long sweep(int fd, size_t ksize, size_t vsize,
		  bool (*doomed)(const void *k, const void *v, const void *arg), const void *arg)
{
	char *keys = NULL, *v = malloc(vsize), k[64], next[64];
	long n = 0, cap = 0, dead = 0;
	void *prev = NULL;

	while (v && bpf_map_get_next_key(fd, prev, next) == 0) {
		memcpy(k, next, ksize);
		prev = k;
		if (bpf_map_lookup_elem(fd, k, v) || !doomed(k, v, arg))
			continue;
		if (n == cap) {
			char *nk = realloc(keys, (cap = cap ? 2 * cap : 64) * ksize);

			if (!nk)
				break;
			keys = nk;
		}
		memcpy(keys + n++ * ksize, k, ksize);
	}
	for (long i = 0; i < n; i++)
		dead += bpf_map_delete_elem(fd, keys + i * ksize) == 0;
	free(keys);
	free(v);
	return dead;
}

struct flush_arg {
	int slot;		/* -1: any */
	const __u32 *ext;	/* NULL: any */
	uint64_t now;		/* expiry sweep: entries past their deadline (0: not one) */
	int ct;			/* expiry sweep: the table, to find a REPLY half's ORIG twin */
};

static bool ct_doomed(const void *kp, const void *vp, const void *ap)
{
	const struct sl_nat6_ct_key *k = kp;
	const struct sl_nat6_ct *v = vp;
	const struct flush_arg *a = ap;
	const __u32 *ext = k->dir == SL_NAT_DIR_ORIG ? v->addr : k->daddr;

	if (a->now && k->dir == SL_NAT_DIR_ORIG)
		return v->c.expires <= a->now;
	if (a->now) {	/* a REPLY half past its grace whose ORIG twin is gone or expired */
		struct sl_nat6_ct_key ok = { .sport = v->c.port, .dport = k->sport,
					     .proto = k->proto, .dir = SL_NAT_DIR_ORIG };
		struct sl_nat6_ct ov;

		memcpy(ok.saddr, v->addr, 16);
		memcpy(ok.daddr, k->saddr, 16);
		if (v->c.expires + SL_NAT_MAP_GRACE_NS > a->now)
			return false;
		return bpf_map_lookup_elem(a->ct, &ok, &ov) || ov.c.expires <= a->now;
	}
	return (a->slot < 0 || v->c.rule == (__u32)a->slot) &&
	       (!a->ext || !memcmp(ext, a->ext, 16));
}

static bool map_doomed(const void *kp, const void *vp, const void *ap)
{
	const struct sl_nat6_map *v = vp;
	const struct flush_arg *a = ap;

	(void)kp;
	return (a->slot < 0 || v->rule == a->slot) && (!a->ext || !memcmp(v->addr, a->ext, 16));
}

/* rmap: keyed by the external endpoint, valued with the internal one. */
static bool rmap_doomed(const void *kp, const void *vp, const void *ap)
{
	const struct sl_nat6_map_key *k = kp;
	const struct sl_nat6_map *v = vp;
	const struct flush_arg *a = ap;

	return (a->slot < 0 || v->rule == a->slot) && (!a->ext || !memcmp(k->addr, a->ext, 16));
}

long nat6_flush(struct ctl *c, int slot, const __u32 *ext)
{
	struct flush_arg a = { .slot = slot, .ext = ext };
	int fd[T_N];
	long n;

	if (tables_open(c, fd))
		return 0;
	n = sweep(fd[T_CT], sizeof(struct sl_nat6_ct_key), sizeof(struct sl_nat6_ct), ct_doomed, &a);
	sweep(fd[T_MAP], sizeof(struct sl_nat6_map_key), sizeof(struct sl_nat6_map), map_doomed, &a);
	sweep(fd[T_RMAP], sizeof(struct sl_nat6_map_key), sizeof(struct sl_nat6_map), rmap_doomed, &a);
	tables_close(fd);
	return n / 2;
}

static int key_cmp(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct sl_nat6_map_key));
}

/* Internal endpoints of live ORIG entries, sorted, for the mapping GC. */
static long live_endpoints(int ct, struct sl_nat6_map_key **out)
{
	struct sl_nat6_ct_key k, next, *prev = NULL;
	struct sl_nat6_map_key *e = NULL;
	long n = 0, cap = 0;

	while (bpf_map_get_next_key(ct, prev, &next) == 0) {
		k = next;
		prev = &k;
		if (k.dir != SL_NAT_DIR_ORIG)
			continue;
		if (n == cap) {
			struct sl_nat6_map_key *ne = realloc(e, (cap = cap ? 2 * cap : 64) * sizeof(*e));

			if (!ne)
				break;
			e = ne;
		}
		e[n] = (struct sl_nat6_map_key){ .port = k.sport, .proto = k.proto };
		memcpy(e[n++].addr, k.saddr, 16);
	}
	qsort(e, n, sizeof(*e), key_cmp);
	*out = e;
	return n;
}

struct gc_arg {
	struct sl_nat6_map_key *live;
	long nlive;
	uint64_t now;
	int rmap;
};

static bool map_unused(const void *kp, const void *vp, const void *ap)
{
	const struct sl_nat6_map *v = vp;
	const struct gc_arg *g = ap;
	struct sl_nat6_map_key rk = { .port = v->port, .proto = ((const struct sl_nat6_map_key *)kp)->proto };

	if (v->last_used + SL_NAT_MAP_GRACE_NS > g->now ||
	    bsearch(kp, g->live, g->nlive, sizeof(*g->live), key_cmp))
		return false;
	memcpy(rk.addr, v->addr, 16);
	bpf_map_delete_elem(g->rmap, &rk);	/* the external port is free again */
	return true;
}

/* Rules without "to" follow their uplink's global address, as IPv4's do (nat.c). */
static void follow(struct ctl *c, const struct sl_nat_rule *rules)
{
	for (__u32 s = 0; s < SL_NAT_RULES_MAX; s++) {
		const struct sl_nat_rule *r = &rules[s];
		struct sl_nat6_rule r6;
		char was[INET6_ADDRSTRLEN], now[INET6_ADDRSTRLEN];
		__u32 addr[4], old[4];

		if (!r->used || (r->flags & (SL_NAT_F_IPV6 | SL_NAT_F_FOLLOW)) !=
		    (SL_NAT_F_IPV6 | SL_NAT_F_FOLLOW) || nat6_rule_get(c, s, &r6) ||
		    nat6_uplink_addr(r->out_ifindex, addr) || !memcmp(addr, r6.ext, 16))
			continue;	/* no address now: keep the last one until one comes */
		memcpy(old, r6.ext, 16);
		memcpy(r6.ext, addr, 16);
		if (nat6_rule_put(c, s, &r6))
			continue;
		inet_ntop(AF_INET6, old, was, sizeof(was));
		inet_ntop(AF_INET6, addr, now, sizeof(now));
		fprintf(stderr, "sluice daemon: nat %s: %s address %s -> %s, %ld connections "
			"flushed\n", r->name, r->out_name, was, now, nat6_flush(c, -1, old));
	}
}

void nat6_round(struct ctl *c, const struct sl_nat_rule *rules)
{
	struct flush_arg a = { .now = mono_ns() };
	struct gc_arg g = { .now = a.now };
	int fd[T_N];

	follow(c, rules);
	if (tables_open(c, fd))
		return;
	a.ct = fd[T_CT];
	sweep(fd[T_CT], sizeof(struct sl_nat6_ct_key), sizeof(struct sl_nat6_ct), ct_doomed, &a);
	g.nlive = live_endpoints(fd[T_CT], &g.live);
	g.rmap = fd[T_RMAP];
	sweep(fd[T_MAP], sizeof(struct sl_nat6_map_key), sizeof(struct sl_nat6_map), map_unused, &g);
	free(g.live);
	tables_close(fd);
}
