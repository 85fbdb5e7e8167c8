// SPDX-License-Identifier: MIT
/* `sluice nat ct show|count|del` with conntrack-style filters (proto, src, dst, sport, dport,
 * state, rule), and `nat stats rules`: what each rule holds in the connection table. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <bpf/bpf.h>
#include "ctl.h"
#include "nat_ctl.h"
#include "nat6.h"
#include "output.h"
#include "parse.h"
#include "sluice_nat_pub.h"

#define CT_FILTERS "[proto tcp|udp|icmp] [src ADDR[/LEN]] [dst ADDR[/LEN]] [sport PORT] " \
		   "[dport PORT] [state STATE] [rule NAME]"
#define CT_USAGE "usage: sluice nat ct show|count|del " CT_FILTERS " | ct flush"

static const char *const state_names[SL_NAT_ST_MAX] = SL_NAT_STATE_NAMES;
#define ST_REPLIED	SL_NAT_ST_MAX	/* UDP, answered, not (yet) a stream */

/* The NAT's maps as these commands need them, and the rules' names. */
struct ct_tables {
	int ct, map, rmap, rules;
	struct sl_nat_rule rule[SL_NAT_RULES_MAX];
};

struct ct_filter {
	int proto;			/* -1: any */
	__be32 src, src_mask, dst, dst_mask;
	int sport, dport;		/* -1: any; host order */
	int state;			/* -1: any; SL_NAT_ST_* or ST_REPLIED */
	int rule;			/* -1: any; slot */
	const char *rule_name;
	int given;			/* how many filters were given */
	struct nat6_ct_filter f6;	/* the same filter for IPv6 entries */
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);	/* bpf_ktime_get_ns()'s clock */
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void tables_close(struct ct_tables *t)
{
	int *fds[] = { &t->ct, &t->map, &t->rmap, &t->rules };

	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
}

/* 0 and T open; 1 (nothing open) when there is no instance or no NAT; -1 printed. */
static int tables_open(struct ctl *c, struct ct_tables *t)
{
	const int which[] = { NAT_CT, NAT_MAP, NAT_RMAP, NAT_RULES };
	int *fds[] = { &t->ct, &t->map, &t->rmap, &t->rules };
	char path[PATH_MAX];
	int q;

	t->ct = t->map = t->rmap = t->rules = -1;
	q = instance_open_query(c);
	if (q)
		return q;
	if (!nat_loaded(c))
		return 1;	/* no NAT: an empty table */
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", c->root, nat_map_names[which[i]]);
		*fds[i] = bpf_obj_get(path);
		if (*fds[i] < 0) {
			errf("map %s: %s", path, strerror(errno));
			tables_close(t);
			return -1;
		}
	}
	for (__u32 s = 0; s < SL_NAT_RULES_MAX; s++)
		if (bpf_map_lookup_elem(t->rules, &s, &t->rule[s]))
			memset(&t->rule[s], 0, sizeof(t->rule[s]));
	return 0;
}

/* The state as `nat ct show` names it: nf_conntrack's, plus REPLIED for a UDP flow that
 * was answered but is not a stream (conntrack -L shows neither flag). */
int nat_ct_state(const struct sl_nat_ct *v)
{
	if (v->state == SL_NAT_ST_UDP && (v->flags & SL_NAT_CT_F_REPLIED))
		return ST_REPLIED;
	return v->state;
}

const char *nat_ct_state_name(int st)
{
	if (st == ST_REPLIED)
		return "REPLIED";
	return st >= 0 && st < SL_NAT_ST_MAX ? state_names[st] : "?";
}

static int parse_state(const char *s)
{
	for (int st = 0; st <= ST_REPLIED; st++)
		if (!strcasecmp(s, nat_ct_state_name(st)))
			return st;
	return -1;
}

/* ADDR or ADDR/LEN into ADDR, MASK. */
static int parse_prefix(const char *s, __be32 *addr, __be32 *mask)
{
	int plen = 32;

	if (strchr(s, '/') ? parse_cidr(s, addr, &plen) : parse_ipv4(s, addr))
		return -1;
	*mask = mask_of(plen);
	*addr &= *mask;
	return 0;
}

static int filter_parse(struct ct_tables *t, int argc, char **argv, struct ct_filter *f)
{
	*f = (struct ct_filter){ .proto = -1, .sport = -1, .dport = -1, .state = -1, .rule = -1 };
	for (int i = 0; i < argc; i += 2) {
		const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		uint32_t port;

		if (!v)
			return errf("nat ct: \"%s\" needs a value (%s)", k, CT_FILTERS);
		f->given++;
		if (!strcmp(k, "proto")) {
			f->proto = !strcmp(v, "tcp") ? IPPROTO_TCP : !strcmp(v, "udp") ? IPPROTO_UDP :
				   !strcmp(v, "icmp") ? IPPROTO_ICMP : -1;
			if (f->proto < 0)
				return errf("nat ct: proto \"%s\": expected tcp, udp or icmp", v);
		} else if ((!strcmp(k, "src") || !strcmp(k, "dst")) && strchr(v, ':')) {
			int s = !strcmp(k, "src");
			char buf[64];

			snprintf(buf, sizeof(buf), strchr(v, '/') ? "%s" : "%s/128", v);
			if (nat6_parse_cidr(buf, s ? &f->f6.src : &f->f6.dst))
				return errf("nat ct: %s \"%s\": expected an IPv6 address or CIDR", k, v);
			*(s ? &f->f6.has_src : &f->f6.has_dst) = true;
			f->src_mask = 0, f->src = 1;	/* no IPv4 entry matches an IPv6 filter */
		} else if (!strcmp(k, "src") || !strcmp(k, "dst")) {
			int s = !strcmp(k, "src");

			if (parse_prefix(v, s ? &f->src : &f->dst, s ? &f->src_mask : &f->dst_mask))
				return errf("nat ct: %s \"%s\": expected an IPv4 or IPv6 address or CIDR",
					   k, v);
			f->f6.v4_addr = true;
		} else if (!strcmp(k, "sport") || !strcmp(k, "dport")) {
			if (parse_u32(v, 0, 65535, &port))
				return errf("nat ct: %s \"%s\": expected a port (0-65535)", k, v);
			*(!strcmp(k, "sport") ? &f->sport : &f->dport) = port;
		} else if (!strcmp(k, "state")) {
			f->state = parse_state(v);
			if (f->state < 0)
				return errf("nat ct: state \"%s\": expected SYN_SENT, SYN_RECV, "
					   "ESTABLISHED, FIN_WAIT, CLOSE_WAIT, LAST_ACK, TIME_WAIT, "
					   "CLOSE, UNREPLIED, REPLIED, ASSURED or ECHO", v);
		} else if (!strcmp(k, "rule")) {
			for (int s = 0; s < SL_NAT_RULES_MAX && f->rule < 0; s++)
				if (t->rule[s].used && !strncmp(t->rule[s].name, v, SL_NAME_LEN))
					f->rule = s;
			if (f->rule < 0)
				return errf("nat ct: rule %s does not exist", v);

		} else {
			return errf("nat ct: unexpected \"%s\" (%s)", k, CT_FILTERS);
		}
	}
	f->f6.proto = f->proto;
	f->f6.sport = f->sport;
	f->f6.dport = f->dport;
	f->f6.state = f->state;
	f->f6.rule = f->rule;
	return 0;
}

/* ORIG entry K, V matches F (keys as the container sent: src = container, dst = remote). */
static bool filter_match(const struct ct_filter *f, const struct sl_nat_ct_key *k,
			 const struct sl_nat_ct *v)
{
	return (f->proto < 0 || k->proto == f->proto) &&
	       (k->saddr & f->src_mask) == f->src && (k->daddr & f->dst_mask) == f->dst &&
	       (f->sport < 0 || ntohs(k->sport) == f->sport) &&
	       (f->dport < 0 || ntohs(k->dport) == f->dport) &&
	       (f->state < 0 || nat_ct_state(v) == f->state) &&
	       (f->rule < 0 || v->rule == (__u32)f->rule);
}

/* Every key of map FD, as nat.c's keys_collect; ORIG ones only, with their values. */
struct ct_entry {
	struct sl_nat_ct_key k;
	struct sl_nat_ct v;
};

static long entries_collect(struct ct_tables *t, struct ct_entry **out)
{
	struct sl_nat_ct_key *keys;
	long nk = keys_collect(t->ct, sizeof(*keys), (void **)&keys), n = 0;
	struct ct_entry *e;

	if (nk < 0)
		return nk;
	e = calloc(nk ? nk : 1, sizeof(*e));
	for (long i = 0; e && i < nk; i++) {
		if (keys[i].dir != SL_NAT_DIR_ORIG ||
		    bpf_map_lookup_elem(t->ct, &keys[i], &e[n].v))
			continue;
		e[n++].k = keys[i];
	}
	free(keys);
	*out = e;
	return e ? n : -ENOMEM;
}

static void format_endpoint(__be32 addr, __be16 port, char buf[24])
{
	char a[16];

	format_ipv4(addr, a);
	snprintf(buf, 24, "%s:%u", a, ntohs(port));
}

static const char *proto_name(__u8 proto)
{
	return proto == IPPROTO_TCP ? "tcp" : proto == IPPROTO_UDP ? "udp" :
	       proto == IPPROTO_ICMP ? "icmp" : "?";
}

static json_object *entry_json(const struct ct_tables *t, const struct ct_entry *e, uint64_t now)
{
	json_object *o = json_object_new_object();
	char buf[24];

	jadd_str(o, "proto", proto_name(e->k.proto));
	format_endpoint(e->k.saddr, e->k.sport, buf);
	jadd_str(o, "src", buf);
	format_endpoint(e->k.daddr, e->k.dport, buf);
	jadd_str(o, "dst", buf);
	format_endpoint(e->v.addr, e->v.port, buf);
	jadd_str(o, "nat", buf);
	jadd_str(o, "state", nat_ct_state_name(nat_ct_state(&e->v)));
	jadd_int(o, "expires", e->v.expires > now ? (int64_t)((e->v.expires - now) / 1000000000ULL) : 0);
	jadd_str(o, "rule", e->v.rule < SL_NAT_RULES_MAX ? t->rule[e->v.rule].name : "?");
	return o;
}

static int map_key_cmp(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct sl_nat_map_key));
}

static struct sl_nat_map_key endpoint_of(const struct ct_entry *e)
{
	return (struct sl_nat_map_key){ .addr = e->k.saddr, .port = e->k.sport, .proto = e->k.proto };
}

/* Delete connection E, both halves. */
static void entry_delete(struct ct_tables *t, const struct ct_entry *e)
{
	struct sl_nat_ct_key rk = { .saddr = e->k.daddr, .daddr = e->v.addr, .sport = e->k.dport,
				    .dport = e->v.port, .proto = e->k.proto,
				    .dir = SL_NAT_DIR_REPLY };
	struct sl_nat_ct rv;

	bpf_map_delete_elem(t->ct, &e->k);
	if (bpf_map_lookup_elem(t->ct, &rk, &rv) == 0 && rv.addr == e->k.saddr &&
	    rv.port == e->k.sport)
		bpf_map_delete_elem(t->ct, &rk);
}

/* The mapping of deleted connection E goes when no remaining connection uses it (LIVE:
 * the sorted endpoints of the connections kept). */
static void mapping_release(struct ct_tables *t, const struct ct_entry *e,
			    const struct sl_nat_map_key *live, long nlive)
{
	struct sl_nat_map_key mk = endpoint_of(e), rk;
	struct sl_nat_map m, rm;

	if ((e->v.flags & SL_NAT_CT_F_DIRECT) || bsearch(&mk, live, nlive, sizeof(mk), map_key_cmp) ||
	    bpf_map_lookup_elem(t->map, &mk, &m))
		return;
	rk = (struct sl_nat_map_key){ .addr = m.addr, .port = m.port, .proto = mk.proto };
	bpf_map_delete_elem(t->map, &mk);
	if (bpf_map_lookup_elem(t->rmap, &rk, &rm) == 0 && rm.addr == mk.addr && rm.port == mk.port)
		bpf_map_delete_elem(t->rmap, &rk);
}

/* show, count or del (CMD) the connections matching the filters in ARGV. */
static int ct_run(struct ctl *c, const char *cmd, int argc, char **argv)
{
	struct sl_nat_map_key *live = NULL;
	uint64_t now = mono_ns();
	struct ct_entry *e = NULL;
	struct ct_tables t;
	struct ct_filter f;
	json_object *doc;
	long n, hits = 0, nlive = 0;
	bool *hit = NULL;

	int q = tables_open(c, &t);

	if (q < 0)
		return -1;
	if (q) {	/* no instance or no NAT: an empty answer, as the filters cannot match */
		doc = strcmp(cmd, "show") ? json_object_new_object() : json_object_new_array();
		if (!strcmp(cmd, "del"))
			jadd_int(doc, "deleted", 0);
		else if (!strcmp(cmd, "count"))
			jadd_int(doc, "count", 0);
		output_print(doc);
		return 0;
	}
	if (filter_parse(&t, argc, argv, &f)) {
		tables_close(&t);
		return -1;
	}
	if (!strcmp(cmd, "del") && !f.given) {
		tables_close(&t);
		return errf("nat ct del: give a filter (%s), or use nat ct flush", CT_FILTERS);
	}
	n = entries_collect(&t, &e);
	if (n >= 0) {
		hit = calloc(n ? n : 1, sizeof(*hit));
		live = calloc(n ? n : 1, sizeof(*live));
	}
	if (n < 0 || !hit || !live) {
		free(e), free(hit), free(live);
		tables_close(&t);
		return errf("read map sl_nat_ct: %s", strerror(n < 0 ? (int)-n : ENOMEM));
	}
	doc = strcmp(cmd, "show") ? json_object_new_object() : json_object_new_array();
	for (long i = 0; i < n; i++) {
		hit[i] = filter_match(&f, &e[i].k, &e[i].v);
		/* Expired is dead to the datapath (it starts the flow anew): not shown or counted,
		 * as the daemon's next round would remove it. */
		if (strcmp(cmd, "del") && e[i].v.expires <= now)
			hit[i] = false;
		hits += hit[i];
		if (hit[i] && !strcmp(cmd, "show"))
			json_object_array_add(doc, entry_json(&t, &e[i], now));
		else if (!hit[i])
			live[nlive++] = endpoint_of(&e[i]);
	}
	if (!strcmp(cmd, "del")) {
		qsort(live, nlive, sizeof(*live), map_key_cmp);
		for (long i = 0; i < n; i++)
			if (hit[i])
				entry_delete(&t, &e[i]);
		for (long i = 0; i < n; i++)
			if (hit[i])
				mapping_release(&t, &e[i], live, nlive);
		jadd_int(doc, "deleted", hits);
	} else if (!strcmp(cmd, "count")) {
		hits += nat6_ct_list(c, &f.f6, NULL, t.rule);
		jadd_int(doc, "count", hits);
	}
	if (!strcmp(cmd, "show"))
		nat6_ct_list(c, &f.f6, doc, t.rule);
	free(e), free(hit), free(live);
	tables_close(&t);
	output_print(doc);
	return 0;
}

int nat_ct_cmd(struct ctl *c, int argc, char **argv)
{
	if (argc < 1 || matches(argv[0], "show") || matches(argv[0], "list"))
		return ct_run(c, "show", argc > 0 ? argc - 1 : 0, argv + 1);
	if (matches(argv[0], "count"))
		return ct_run(c, "count", argc - 1, argv + 1);
	if (matches(argv[0], "del") || matches(argv[0], "delete"))
		return ct_run(c, "del", argc - 1, argv + 1);
	return errf("nat ct: unknown command \"%s\" (show, count, del, flush)", argv[0]);
}

/* Published ports per rule slot (0 each when the map is missing: an older build's NAT). */
static void published_count(struct ctl *c, long count[SL_NAT_RULES_MAX])
{
	struct sl_nat_pub_key *k;
	char path[PATH_MAX];
	long n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", c->root, SL_NAT_PUB_MAP);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return;
	n = keys_collect(fd, sizeof(*k), (void **)&k);
	for (long i = 0; i < n; i++) {
		struct sl_nat_pub v;

		if (bpf_map_lookup_elem(fd, &k[i], &v) == 0 && v.rule < SL_NAT_RULES_MAX)
			count[v.rule]++;
	}
	free(k);
	close(fd);
}

/* `nat stats rules`: per rule, its connections by state, its mappings, routed connections
 * and published ports. */
int nat_stats_rules(struct ctl *c, int argc, char **argv)
{
	long conns[SL_NAT_RULES_MAX] = { 0 }, direct[SL_NAT_RULES_MAX] = { 0 };
	long mappings[SL_NAT_RULES_MAX] = { 0 }, published[SL_NAT_RULES_MAX] = { 0 };
	long states[SL_NAT_RULES_MAX][ST_REPLIED + 1];
	struct sl_nat_map_key *mk;
	struct ct_entry *e = NULL;
	struct ct_tables t;
	json_object *arr;
	long n;

	if (argc > 1)
		return errf("usage: sluice nat stats rules [NAME]");
	n = tables_open(c, &t);
	if (n < 0)
		return -1;
	if (n) {	/* no instance or no NAT: no rules */
		output_print(json_object_new_array());
		return 0;
	}
	memset(states, 0, sizeof(states));
	n = entries_collect(&t, &e);
	for (long i = 0; i < n; i++) {
		__u32 r = e[i].v.rule;

		if (r >= SL_NAT_RULES_MAX)
			continue;
		conns[r]++;
		direct[r] += !!(e[i].v.flags & SL_NAT_CT_F_DIRECT);
		states[r][nat_ct_state(&e[i].v) <= ST_REPLIED ? nat_ct_state(&e[i].v) : 0]++;
	}
	free(e);
	n = keys_collect(t.map, sizeof(*mk), (void **)&mk);
	for (long i = 0; i < n; i++) {
		struct sl_nat_map m;

		if (bpf_map_lookup_elem(t.map, &mk[i], &m) == 0 && m.rule < SL_NAT_RULES_MAX)
			mappings[m.rule]++;
	}
	free(mk);
	published_count(c, published);
	arr = json_object_new_array();
	for (int s = 0; s < SL_NAT_RULES_MAX; s++) {
		json_object *o, *st;

		if (!t.rule[s].used || (argc && strncmp(t.rule[s].name, argv[0], SL_NAME_LEN)))
			continue;
		o = json_object_new_object();
		st = json_object_new_object();
		if (t.rule[s].flags & SL_NAT_F_IPV6) {	/* nat66: its own table */
			struct nat6_ct_filter f6 = { .proto = -1, .sport = -1, .dport = -1,
						     .state = -1, .rule = s };

			conns[s] = nat6_ct_list(c, &f6, NULL, t.rule);
			for (f6.state = 0; f6.state <= ST_REPLIED; f6.state++)
				states[s][f6.state] = nat6_ct_list(c, &f6, NULL, t.rule);
		}
		jadd_str(o, "rule", t.rule[s].name);
		jadd_int(o, "entries", conns[s]);
		jadd_int(o, "routed", direct[s]);
		jadd_int(o, "mappings", mappings[s]);
		jadd_int(o, "published", published[s]);
		for (int k = 0; k <= ST_REPLIED; k++)
			jadd_int(st, nat_ct_state_name(k), states[s][k]);
		json_object_object_add(o, "states", st);
		json_object_array_add(arr, o);
	}
	tables_close(&t);
	if (argc && !json_object_array_length(arr)) {
		json_object_put(arr);
		return errf("nat rule %s does not exist", argv[0]);
	}
	output_print(arr);
	return 0;
}
