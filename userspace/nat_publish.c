// SPDX-License-Identifier: MIT
/* `sluice nat publish add|del|show`: ports of a NAT rule's uplink address published to a
 * container (docker run -p, CNI portmap), with their conflicts checked before any write. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <bpf/bpf.h>
#include "ctl.h"
#include "nat_ctl.h"
#include "output.h"
#include "parse.h"
#include "sluice_nat6.h"
#include "sluice_nat_pub.h"

#define PUB_USAGE "usage: sluice nat publish add RULE proto tcp|udp port PORT[-PORT] " \
		  "to ADDR[:PORT[-PORT]] [from CIDR] | del RULE proto tcp|udp port PORT[-PORT] | " \
		  "show [RULE] | host-cgroup [PATH|none]"
#define PUB_RANGE_MAX	1024	/* ports in one publish */

struct pub_ctx {
	int pub, rules, ct;
	struct sl_nat_rule rule[SL_NAT_RULES_MAX];
};

struct pub_req {
	int slot;
	__u8 proto;
	uint16_t lo, hi, to_lo, to_hi;
	__be32 to, from, from_mask;
};

static void pub_close(struct pub_ctx *p)
{
	if (p->pub >= 0)
		close(p->pub);
	if (p->rules >= 0)
		close(p->rules);
	if (p->ct >= 0)
		close(p->ct);
}

static int pin_get(struct ctl *c, const char *name, int *fd)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", c->root, name);
	*fd = bpf_obj_get(path);
	if (*fd >= 0)
		return 0;
	if (errno == ENOENT && !strcmp(name, SL_NAT_PUB_MAP))
		return errf("map %s does not exist: the NAT was loaded by an older build (run "
			   "sluice upgrade)", path);
	return errf("map %s: %s", path, strerror(errno));
}

/* The maps and the rules' copy, on an instance already open (save holds its lock). */
static int pub_maps_open(struct ctl *c, struct pub_ctx *p)
{
	p->pub = p->rules = p->ct = -1;
	if (!nat_loaded(c))
		return errf("instance %s has no NAT rules", c->instance);
	if (pin_get(c, nat_map_names[NAT_RULES], &p->rules) ||
	    pin_get(c, nat_map_names[NAT_CT], &p->ct) || pin_get(c, SL_NAT_PUB_MAP, &p->pub)) {
		pub_close(p);
		return -1;
	}
	for (__u32 s = 0; s < SL_NAT_RULES_MAX; s++)
		if (bpf_map_lookup_elem(p->rules, &s, &p->rule[s]))
			memset(&p->rule[s], 0, sizeof(p->rule[s]));
	return 0;
}

static int pub_open(struct ctl *c, struct pub_ctx *p)
{
	p->pub = p->rules = p->ct = -1;
	if (instance_open(c, false))
		return -1;
	return pub_maps_open(c, p);
}

static int rule_slot(struct pub_ctx *p, const char *name)
{
	for (int s = 0; s < SL_NAT_RULES_MAX; s++)
		if (p->rule[s].used && !strncmp(p->rule[s].name, name, SL_NAME_LEN))
			return s;
	return errf("nat rule %s does not exist", name);
}

/* "LO" or "LO-HI", 1-65535. */
static int parse_range(const char *s, uint16_t *lo, uint16_t *hi)
{
	uint32_t a, b;
	char buf[16], *dash;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	dash = strchr(buf, '-');
	if (dash)
		*dash = 0;
	if (parse_u32(buf, 1, 65535, &a) || (dash && parse_u32(dash + 1, 1, 65535, &b)))
		return -1;
	if (!dash)
		b = a;
	if (b < a)
		return -1;
	*lo = a;
	*hi = b;
	return 0;
}

static void format_range(uint16_t lo, uint16_t hi, char buf[16])
{
	if (lo == hi)
		snprintf(buf, 16, "%u", lo);
	else
		snprintf(buf, 16, "%u-%u", lo, hi);
}

/* proto and port, shared by add and del; ARGV[0] is the rule. */
static int req_parse(struct pub_ctx *p, int argc, char **argv, bool add, struct pub_req *q)
{
	bool has_proto = false, has_port = false, has_to = false;

	*q = (struct pub_req){ 0 };
	if (argc < 1)
		return errf(PUB_USAGE);
	q->slot = rule_slot(p, argv[0]);
	if (q->slot < 0)
		return -1;
	for (int i = 1; i < argc; i += 2) {
		const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!v)
			return errf("nat publish: \"%s\" needs a value (%s)", k, PUB_USAGE);
		if (!strcmp(k, "proto")) {
			if (strcmp(v, "tcp") && strcmp(v, "udp"))
				return errf("nat publish: proto \"%s\": expected tcp or udp", v);
			q->proto = !strcmp(v, "tcp") ? IPPROTO_TCP : IPPROTO_UDP;
			has_proto = true;
		} else if (!strcmp(k, "port")) {
			if (parse_range(v, &q->lo, &q->hi) || q->hi - q->lo >= PUB_RANGE_MAX)
				return errf("nat publish: port \"%s\": expected PORT or LO-HI within "
					   "1-65535, at most %d ports", v, PUB_RANGE_MAX);
			has_port = true;
		} else if (add && !strcmp(k, "to")) {
			char a[32], *colon;

			snprintf(a, sizeof(a), "%s", v);
			colon = strchr(a, ':');
			if (colon)
				*colon = 0;
			if (parse_ipv4(a, &q->to) || !q->to ||
			    (colon && parse_range(colon + 1, &q->to_lo, &q->to_hi)))
				return errf("nat publish: to \"%s\": expected ADDR[:PORT[-PORT]]", v);
			has_to = true;
		} else if (add && !strcmp(k, "from")) {
			int plen;

			if (parse_cidr(v, &q->from, &plen))
				return errf("nat publish: from \"%s\" is not an IPv4 CIDR", v);
			q->from_mask = mask_of(plen);
			q->from &= q->from_mask;
		} else {
			return errf("nat publish: unexpected \"%s\" (%s)", k, PUB_USAGE);
		}
	}
	if (!has_proto || !has_port || (add && !has_to))
		return errf(PUB_USAGE);
	return 0;
}

/* Everything that makes Q impossible, as one clear error; nothing is written. */
static int req_check(struct pub_ctx *p, const struct pub_req *q)
{
	const struct sl_nat_rule *r = &p->rule[q->slot];
	char a[16], b[16];

	if (r->flags & SL_NAT_F_IPV6)
		return errf("nat publish: rule %s is IPv6: published ports are IPv4 only for now",
			   r->name);
	format_ipv4(q->to, a);
	if ((q->to & r->src_mask) != r->src_addr)
		return errf("nat publish: %s is not in rule %s's subnet", a, r->name);
	if (q->to_lo != q->to_hi && q->to_hi - q->to_lo != q->hi - q->lo)
		return errf("nat publish: to ports %u-%u: give one port or a range as long as %u-%u",
			   q->to_lo, q->to_hi, q->lo, q->hi);
	for (int s = 0; s < SL_NAT_RULES_MAX; s++) {
		const struct sl_nat_rule *o = &p->rule[s];

		if (o->used && o->out_ifindex == r->out_ifindex && q->lo <= o->port_hi &&
		    q->hi >= o->port_lo)
			return errf("nat publish: port %u-%u overlaps the masquerade range %u-%u of "
				   "rule %s (give that rule ports that leave it out)", q->lo, q->hi,
				   o->port_lo, o->port_hi, o->name);
	}
	for (uint32_t port = q->lo; port <= q->hi; port++) {
		struct sl_nat_pub_key k = { .ifindex = r->out_ifindex, .port = htons(port),
					    .proto = q->proto };
		struct sl_nat_pub v;

		if (bpf_map_lookup_elem(p->pub, &k, &v) == 0) {
			format_ipv4(v.to_addr, b);
			return errf("nat publish: port %u/%s of %s is already published (to %s:%u)",
				   port, q->proto == IPPROTO_TCP ? "tcp" : "udp", r->out_name, b,
				   ntohs(v.to_port));
		}
	}
	return 0;
}

static int pub_add(struct ctl *c, int argc, char **argv)
{
	struct pub_ctx p;
	struct pub_req q;
	uint32_t port;
	int ret = -1;

	if (pub_open(c, &p))
		return -1;
	if (req_parse(&p, argc, argv, true, &q))
		goto out;
	if (!q.to_lo) {
		q.to_lo = q.lo;
		q.to_hi = q.hi;
	}
	if (req_check(&p, &q))
		goto out;
	for (port = q.lo; port <= q.hi; port++) {
		struct sl_nat_pub_key k = { .ifindex = p.rule[q.slot].out_ifindex,
					    .port = htons(port), .proto = q.proto };
		struct sl_nat_pub v = { .to_addr = q.to, .from_addr = q.from,
					.from_mask = q.from_mask, .ext_lo = q.lo, .ext_hi = q.hi,
					.to_lo = q.to_lo, .to_hi = q.to_hi, .rule = q.slot };

		v.to_port = htons(q.to_lo == q.to_hi ? q.to_lo : q.to_lo + (port - q.lo));
		if (bpf_map_update_elem(p.pub, &k, &v, BPF_NOEXIST)) {
			errf("write map %s: %s", SL_NAT_PUB_MAP, strerror(errno));
			break;
		}
	}
	if (port > q.hi) {
		ret = 0;
		goto out;
	}
	while (port-- > q.lo) {	/* undo the ports written */
		struct sl_nat_pub_key k = { .ifindex = p.rule[q.slot].out_ifindex,
					    .port = htons(port), .proto = q.proto };

		bpf_map_delete_elem(p.pub, &k);
	}
out:
	pub_close(&p);
	return ret;
}

/* Connections to published ports of rule SLOT on PROTO (0: any), LO-HI (0-65535: all). */
static void pub_ct_flush(struct pub_ctx *p, int slot, __u8 proto, uint16_t lo, uint16_t hi)
{
	struct sl_nat_ct_key *k;
	long n = keys_collect(p->ct, sizeof(*k), (void **)&k);

	for (long i = 0; i < n; i++) {
		struct sl_nat_ct v;
		struct sl_nat_ct_key rk;

		if (k[i].dir != SL_NAT_DIR_ORIG || bpf_map_lookup_elem(p->ct, &k[i], &v) ||
		    (v.flags & (SL_NAT_CT_F_OPENED_IN | SL_NAT_CT_F_DIRECT)) !=
			    SL_NAT_CT_F_OPENED_IN ||
		    v.rule != (__u32)slot || (proto && k[i].proto != proto) ||
		    ntohs(v.port) < lo || ntohs(v.port) > hi)
			continue;
		rk = (struct sl_nat_ct_key){ .saddr = k[i].daddr, .daddr = v.addr,
					     .sport = k[i].dport, .dport = v.port,
					     .proto = k[i].proto, .dir = SL_NAT_DIR_REPLY };
		bpf_map_delete_elem(p->ct, &k[i]);
		bpf_map_delete_elem(p->ct, &rk);
	}
	free(k);
}

static int pub_del(struct ctl *c, int argc, char **argv)
{
	struct sl_nat_pub_key k;
	struct sl_nat_pub v;
	struct pub_ctx p;
	struct pub_req q;
	int ret = -1;

	if (pub_open(c, &p))
		return -1;
	if (req_parse(&p, argc, argv, false, &q))
		goto out;
	k = (struct sl_nat_pub_key){ .ifindex = p.rule[q.slot].out_ifindex, .port = htons(q.lo),
				     .proto = q.proto };
	if (bpf_map_lookup_elem(p.pub, &k, &v) || v.rule != q.slot || v.ext_lo != q.lo ||
	    v.ext_hi != q.hi) {
		char r[16];

		format_range(q.lo, q.hi, r);
		errf("nat publish: port %s/%s is not published by rule %s", r,
		    q.proto == IPPROTO_TCP ? "tcp" : "udp", argv[0]);
		goto out;
	}
	for (uint32_t port = q.lo; port <= q.hi; port++) {
		k.port = htons(port);
		bpf_map_delete_elem(p.pub, &k);
	}
	pub_ct_flush(&p, q.slot, q.proto, q.lo, q.hi);
	ret = 0;
out:
	pub_close(&p);
	return ret;
}

static int pub_show(struct ctl *c, int argc, char **argv)
{
	struct sl_nat_pub_key *k;
	struct pub_ctx p;
	json_object *arr;
	int only = -1;
	long n;

	if (argc > 1)
		return errf(PUB_USAGE);
	if (pub_open(c, &p))
		return -1;
	if (argc && (only = rule_slot(&p, argv[0])) < 0) {
		pub_close(&p);
		return -1;
	}
	arr = json_object_new_array();
	n = keys_collect(p.pub, sizeof(*k), (void **)&k);
	for (long i = 0; i < n; i++) {
		struct sl_nat_pub v;
		char a[16], r[16], buf[40];
		json_object *o;
		int plen;

		if (bpf_map_lookup_elem(p.pub, &k[i], &v) || ntohs(k[i].port) != v.ext_lo ||
		    (only >= 0 && v.rule != only) || v.rule >= SL_NAT_RULES_MAX)
			continue;	/* one line per publish: its first port's entry */
		o = json_object_new_object();
		jadd_str(o, "rule", p.rule[v.rule].name);
		jadd_str(o, "proto", k[i].proto == IPPROTO_TCP ? "tcp" : "udp");
		format_range(v.ext_lo, v.ext_hi, r);
		jadd_str(o, "port", r);
		format_ipv4(v.to_addr, a);
		format_range(v.to_lo, v.to_hi, r);
		snprintf(buf, sizeof(buf), "%s:%s", a, r);
		jadd_str(o, "to", buf);
		format_ipv4(v.from_addr, a);
		for (plen = 0; plen < 32 && (ntohl(v.from_mask) & (1u << (31 - plen))); plen++)
			;
		snprintf(buf, sizeof(buf), "%s/%d", a, plen);
		jadd_str(o, "from", buf);
		jadd_str(o, "out", p.rule[v.rule].out_name);
		json_object_array_add(arr, o);
	}
	free(k);
	pub_close(&p);
	output_print(arr);
	return 0;
}

static int cmp_line(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* `sluice save`: one `nat publish add` line per publish, sorted so a save reads back
 * identical; an instance whose NAT predates published ports has none. */
int nat_publish_save(struct ctl *c, FILE *f)
{
	struct sl_nat_pub_key *k;
	struct pub_ctx p;
	char **lines;
	long n, m = 0;
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", c->root, SL_NAT_PUB_MAP);
	if (!nat_loaded(c) || access(path, F_OK))
		return 0;
	if (pub_maps_open(c, &p))
		return -1;
	n = keys_collect(p.pub, sizeof(*k), (void **)&k);
	lines = calloc(n > 0 ? n : 1, sizeof(*lines));
	for (long i = 0; lines && i < n; i++) {
		struct sl_nat_pub v;
		char a[16], r[16], t[16], from[40] = "";
		int plen;

		if (bpf_map_lookup_elem(p.pub, &k[i], &v) || ntohs(k[i].port) != v.ext_lo ||
		    v.rule >= SL_NAT_RULES_MAX || !p.rule[v.rule].used)
			continue;
		if (v.from_mask) {
			format_ipv4(v.from_addr, a);
			plen = __builtin_popcount(v.from_mask);
			snprintf(from, sizeof(from), " from %s/%d", a, plen);
		}
		format_ipv4(v.to_addr, a);
		format_range(v.ext_lo, v.ext_hi, r);
		format_range(v.to_lo, v.to_hi, t);
		if (asprintf(&lines[m], "nat publish add %s proto %s port %s to %s:%s%s\n",
			     p.rule[v.rule].name, k[i].proto == IPPROTO_TCP ? "tcp" : "udp", r, a,
			     t, from) >= 0)
			m++;
	}
	qsort(lines, m, sizeof(*lines), cmp_line);
	for (long i = 0; i < m; i++) {
		fputs(lines[i], f);
		free(lines[i]);
	}
	free(lines);
	free(k);
	pub_close(&p);
	if (n < 0 || !lines)
		return errf("save: cannot read map %s", SL_NAT_PUB_MAP);
	return nat_hostpub_save(c, f);
}

/* `nat del`: the rule's published ports and their connections go with it. */
void nat_publish_flush(struct ctl *c, int slot)
{
	struct sl_nat_pub_key *k;
	struct pub_ctx p;
	long n;

	if (pub_maps_open(c, &p))	/* the caller (nat del) holds the instance open */
		return;
	n = keys_collect(p.pub, sizeof(*k), (void **)&k);
	for (long i = 0; i < n; i++) {
		struct sl_nat_pub v;

		if (bpf_map_lookup_elem(p.pub, &k[i], &v) == 0 && v.rule == slot)
			bpf_map_delete_elem(p.pub, &k[i]);
	}
	free(k);
	pub_ct_flush(&p, slot, 0, 0, 65535);
	pub_close(&p);
}

int nat_publish_cmd(struct ctl *c, int argc, char **argv)
{
	if (argc < 1 || matches(argv[0], "show") || matches(argv[0], "list"))
		return pub_show(c, argc > 0 ? argc - 1 : 0, argv + 1);
	if (matches(argv[0], "add"))
		return pub_add(c, argc - 1, argv + 1);
	if (matches(argv[0], "del") || matches(argv[0], "delete"))
		return pub_del(c, argc - 1, argv + 1);
	if (!strcmp(argv[0], "host-cgroup"))
		return nat_hostpub_cmd(c, argc - 1, argv + 1);
	return errf("nat publish: unknown command \"%s\" (add, del, show, host-cgroup)", argv[0]);
}
