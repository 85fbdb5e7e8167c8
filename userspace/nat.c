// SPDX-License-Identifier: MIT
/* `sluice nat`: masquerade rules, the connection table, counters and timeouts, and the
 * daemon's NAT round: expiry, mapping garbage collection, following the uplink's address. */
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
#include "nat6.h"
#include "nat_frag.h"
#include "sluice_nat_fast.h"
#include "netlink.h"
#include "output.h"
#include "parse.h"

#define NAT_USAGE "usage: sluice nat add NAME src CIDR out DEV [to ADDR] [ports LO-HI] [random] " \
		  "[conntrack FLOWS] [fastpath on|off] [xdp native|generic] [direct allow|deny] | del NAME | show | " \
		  "ct show|count|del [FILTERS] | ct flush | stats [rules [NAME]] | publish add|del|show ... | " \
		  "timeouts [NAME SECONDS]..."

static const char *const timeout_names[SL_NAT_ST_MAX] = SL_NAT_TIMEOUT_NAMES;
static const char *const drop_names[SL_NAT_DROP_MAX] = SL_NAT_DROP_NAMES;

struct nat {
	int fd[NAT_MAPS];
	struct sl_nat_rule rule[SL_NAT_RULES_MAX];
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);	/* bpf_ktime_get_ns()'s clock */
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void nat_close(struct nat *n)
{
	for (int i = 0; i < NAT_MAPS; i++) {
		if (n->fd[i] >= 0)
			close(n->fd[i]);
		n->fd[i] = -1;
	}
}

/* Open the pinned NAT maps of an open instance and read the rules. */
static int nat_open(struct ctl *c, struct nat *n)
{
	char path[PATH_MAX];

	for (int i = 0; i < NAT_MAPS; i++)
		n->fd[i] = -1;
	for (int i = 0; i < NAT_MAPS; i++) {
		snprintf(path, sizeof(path), "%s/%s", c->root, nat_map_names[i]);
		n->fd[i] = bpf_obj_get(path);
		if (n->fd[i] < 0) {
			errf("map %s: %s", path, strerror(errno));
			nat_close(n);
			return -1;
		}
	}
	for (__u32 s = 0; s < SL_NAT_RULES_MAX; s++)
		if (bpf_map_lookup_elem(n->fd[NAT_RULES], &s, &n->rule[s]))
			memset(&n->rule[s], 0, sizeof(n->rule[s]));
	return 0;
}

static int cfg_get(struct nat *n, struct sl_nat_cfg *cfg)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(n->fd[NAT_CFG], &zero, cfg) ? errf("read map sl_nat_cfg: %s",
								     strerror(errno)) : 0;
}

static int cfg_put(struct nat *n, const struct sl_nat_cfg *cfg)
{
	__u32 zero = 0;

	return bpf_map_update_elem(n->fd[NAT_CFG], &zero, cfg, BPF_ANY) ?
	       errf("write map sl_nat_cfg: %s", strerror(errno)) : 0;
}

/* Write slot S; the datapath scans slots up to the last used one. Enlarge before
 * filling a slot, shrink after clearing one, so no used slot is ever beyond the scan. */
static int rule_put(struct nat *n, __u32 s, const struct sl_nat_rule *r)
{
	struct sl_nat_cfg cfg;
	__u32 last = 0;

	if (cfg_get(n, &cfg))
		return -1;
	if (r->used && cfg.nrules < s + 1) {
		cfg.nrules = s + 1;
		if (cfg_put(n, &cfg))
			return -1;
	}
	if (bpf_map_update_elem(n->fd[NAT_RULES], &s, r, BPF_ANY))
		return errf("write map sl_nat_rules: %s", strerror(errno));
	n->rule[s] = *r;
	for (__u32 i = 0; i < SL_NAT_RULES_MAX; i++)
		if (n->rule[i].used)
			last = i + 1;
	if (last != cfg.nrules) {
		cfg.nrules = last;
		return cfg_put(n, &cfg);
	}
	return 0;
}

static int rule_find(struct nat *n, const char *name)
{
	for (int s = 0; s < SL_NAT_RULES_MAX; s++)
		if (n->rule[s].used && !strncmp(n->rule[s].name, name, SL_NAME_LEN))
			return s;
	return -1;
}

static bool uplink_in_use(struct nat *n, __u32 ifindex, int except)
{
	for (int s = 0; s < SL_NAT_RULES_MAX; s++)
		if (s != except && n->rule[s].used && n->rule[s].out_ifindex == ifindex)
			return true;
	return false;
}

/* The rules of one uplink share its hooks: a rule R asking for another XDP mode than
 * the uplink's other rules is refused. */
static bool uplink_xdp_clash(struct nat *n, const struct sl_nat_rule *r)
{
	for (int s = 0; s < SL_NAT_RULES_MAX; s++) {
		const struct sl_nat_rule *o = &n->rule[s];

		if (!o->used || o->out_ifindex != r->out_ifindex ||
		    (o->flags & SL_NAT_F_XDP) == (r->flags & SL_NAT_F_XDP))
			continue;
		errf("nat %s: uplink %s has xdp %s (rule %s); its rules share one hook, so this "
		    "one needs xdp %s too", r->name, r->out_name, nat_xdp_mode_name(o->flags),
		    o->name, nat_xdp_mode_name(o->flags));
		return true;
	}
	return false;
}

static int plen_of(__be32 mask)
{
	return __builtin_popcount(mask);
}

static __be32 mask_of(int plen)
{
	return plen ? htonl(~0u << (32 - plen)) : 0;
}

static void format_cidr(__be32 addr, __be32 mask, char buf[24])
{
	char a[16];

	format_ipv4(addr, a);
	snprintf(buf, 24, "%s/%d", a, plen_of(mask));
}

/* "LO-HI" within 1-65535, LO <= HI. */
static int parse_ports(const char *s, uint16_t *lo, uint16_t *hi)
{
	char buf[16], *dash;
	uint32_t l, h;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	dash = strchr(buf, '-');
	if (!dash)
		return -EINVAL;
	*dash = 0;
	if (parse_u32(buf, 1, 65535, &l) || parse_u32(dash + 1, 1, 65535, &h) || l > h)
		return -EINVAL;
	*lo = l;
	*hi = h;
	return 0;
}

static uint32_t ct_flows(struct nat *n)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(n->fd[NAT_CT], &info, &len))
		return 0;
	return info.max_entries / 2;
}

static bool switches_empty(struct ctl *c)
{
	char key[SL_NAME_LEN];

	return bpf_map_get_next_key(c->switches, NULL, key) != 0;
}

/* Every key of map FD (KSIZE bytes each), in a malloc'ed array. Returns the count. */
long keys_collect(int fd, size_t ksize, void **out)
{
	size_t cap = 1024, n = 0;
	char *keys = malloc(cap * ksize), *prev = NULL;

	while (keys) {
		if (n == cap) {
			char *k = realloc(keys, 2 * cap * ksize);

			if (!k)
				break;
			keys = k;
			cap *= 2;
		}
		if (bpf_map_get_next_key(fd, n ? keys + (n - 1) * ksize : prev, keys + n * ksize))
			break;
		n++;
	}
	*out = keys;
	return keys ? (long)n : -ENOMEM;
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

/* Delete the connections that used external address ADDR (ADDR 0: all) or RULE (-1: any),
 * and their mappings. Returns the number of connections removed. */
static long nat_flush(struct nat *n, __be32 addr, int rule)
{
	struct sl_nat_ct_key *ck;
	struct sl_nat_map_key *mk;
	long nk, removed = 0;

	nk = keys_collect(n->fd[NAT_CT], sizeof(*ck), (void **)&ck);
	for (long i = 0; i < nk; i++) {
		struct sl_nat_ct v;
		__be32 ext;

		if (bpf_map_lookup_elem(n->fd[NAT_CT], &ck[i], &v))
			continue;
		ext = ck[i].dir == SL_NAT_DIR_ORIG ? v.addr : ck[i].daddr;
		if ((addr && ext != addr) || (rule >= 0 && v.rule != (__u32)rule))
			continue;
		if (bpf_map_delete_elem(n->fd[NAT_CT], &ck[i]) == 0 && ck[i].dir == SL_NAT_DIR_ORIG)
			removed++;
	}
	free(ck);
	nk = keys_collect(n->fd[NAT_MAP], sizeof(*mk), (void **)&mk);
	for (long i = 0; i < nk; i++) {
		struct sl_nat_map v;

		if (bpf_map_lookup_elem(n->fd[NAT_MAP], &mk[i], &v) ||
		    (addr && v.addr != addr) || (rule >= 0 && v.rule != rule))
			continue;
		bpf_map_delete_elem(n->fd[NAT_MAP], &mk[i]);
	}
	free(mk);
	nk = keys_collect(n->fd[NAT_RMAP], sizeof(*mk), (void **)&mk);
	for (long i = 0; i < nk; i++) {
		struct sl_nat_map v;

		if (bpf_map_lookup_elem(n->fd[NAT_RMAP], &mk[i], &v) ||
		    (addr && mk[i].addr != addr) || (rule >= 0 && v.rule != rule))
			continue;
		bpf_map_delete_elem(n->fd[NAT_RMAP], &mk[i]);
	}
	free(mk);
	return removed;
}

static int nat_add(struct ctl *c, int argc, char **argv)
{
	struct sl_nat_rule r = { .used = 1, .port_lo = SL_NAT_PORT_LO, .port_hi = SL_NAT_PORT_HI };
	struct sl_nat6_rule r6 = {};
	uint32_t flows = SL_NAT_FLOWS_DEFAULT;
	const char *name, *dev = NULL, *to = NULL;
	bool has_src = false, has_to = false, has_flows = false, fresh, loaded;
	char probe[PATH_MAX];
	struct nat n;
	int ifx, plen, slot = -1;

	if (argc < 1)
		return errf(NAT_USAGE);
	name = argv[0];
	if (!name_valid(name, SL_NAME_LEN - 1))
		return errf("nat name \"%s\" is invalid (1-%d of A-Z a-z 0-9 _ . -)", name,
			   SL_NAME_LEN - 1);
	for (int i = 1; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(argv[i], "src") && v && strchr(v, ':')) {
			if (nat6_parse_cidr(v, &r6))
				return errf("src \"%s\" is not an IPv6 CIDR such as fd00::/64", v);
			r.flags |= SL_NAT_F_IPV6;	/* IPv4 fields that match nothing */
			r.src_addr = SL_NAT6_V4_SRC;
			r.src_mask = SL_NAT6_V4_MASK;
			has_src = true;
		} else if (!strcmp(argv[i], "src") && v) {
			if (parse_cidr(v, &r.src_addr, &plen))
				return errf("src \"%s\" is not an IPv4 CIDR such as 10.20.0.0/24 "
					   "or an IPv6 one such as fd00::/64", v);
			r.src_mask = mask_of(plen);
			r.src_addr &= r.src_mask;
			has_src = true;
		} else if (!strcmp(argv[i], "out") && v) {
			dev = v;
		} else if (!strcmp(argv[i], "to") && v) {
			to = v;	/* its family is the src's: checked below */
			has_to = true;
		} else if (!strcmp(argv[i], "ports") && v) {
			if (parse_ports(v, &r.port_lo, &r.port_hi))
				return errf("ports \"%s\": expected LO-HI within 1-65535, LO <= HI", v);
			r.flags |= SL_NAT_F_PORTS;
		} else if (!strcmp(argv[i], "conntrack") && v) {
			if (parse_u32(v, SL_NAT_FLOWS_MIN, SL_NAT_FLOWS_MAX, &flows))
				return errf("conntrack \"%s\": expected connections (%u-%u)", v,
					   SL_NAT_FLOWS_MIN, SL_NAT_FLOWS_MAX);
			has_flows = true;
		} else if (!strcmp(argv[i], "direct") && v) {
			/* Docker's allow-direct-routing: the uplink side may route to the subnet. */
			if (strcmp(v, "allow") && strcmp(v, "deny"))
				return errf("direct \"%s\": expected allow or deny", v);
			if (!strcmp(v, "allow"))
				r.flags |= SL_NAT_F_DIRECT;
		} else if (!strcmp(argv[i], "random")) {
			r.flags |= SL_NAT_F_RANDOM;
			continue;
		} else if (!strcmp(argv[i], "fastpath") && v) {
			if (strcmp(v, "on") && strcmp(v, "off"))
				return errf("fastpath \"%s\": expected on or off", v);
			if (!strcmp(v, "off"))
				r.flags |= SL_NAT_F_SLOWPATH;
		} else if (!strcmp(argv[i], "xdp") && v) {
			/* For NIC uplinks: replies translated before the stack allocates an skb. */
			if (strcmp(v, "native") && strcmp(v, "generic"))
				return errf("xdp \"%s\": expected native or generic", v);
			r.flags |= !strcmp(v, "native") ? SL_NAT_F_XDP_NATIVE : SL_NAT_F_XDP_GENERIC;
		} else {
			return errf("nat add: unexpected \"%s\" (%s)", argv[i], NAT_USAGE);
		}
		i++;
	}
	if (!has_src || !dev)
		return errf(NAT_USAGE);
	if (has_to && !(r.flags & SL_NAT_F_IPV6) && (parse_ipv4(to, &r.ext_addr) || !r.ext_addr))
		return errf("to \"%s\" is not an IPv4 address (src is IPv4)", to);
	if (has_to && (r.flags & SL_NAT_F_IPV6) && (inet_pton(AF_INET6, to, r6.ext) != 1 ||
						    !(r6.ext[0] | r6.ext[1] | r6.ext[2] | r6.ext[3])))
		return errf("to \"%s\" is not an IPv6 address (src is IPv6)", to);
	if ((r.flags & SL_NAT_F_IPV6) && (r.flags & SL_NAT_F_DIRECT))
		return errf("nat %s: direct allow is IPv4 only for now", name);
	ifx = nl_link_index(dev);
	if (ifx < 0)
		return errf("nat %s: device %s does not exist in the host netns", name, dev);
	r.out_ifindex = ifx;
	snprintf(r.name, sizeof(r.name), "%s", name);
	snprintf(r.out_name, sizeof(r.out_name), "%s", dev);

	snprintf(probe, sizeof(probe), "%s/%s/%s", SL_PIN_BASE, c->instance, SL_PIN_PROG_TC);
	fresh = access(probe, F_OK) != 0;
	if (instance_open(c, true))
		return -1;
	loaded = nat_loaded(c);
	if (bpf_map_lookup_elem(c->ports, &(__u32){ ifx }, &(struct sl_port){}) == 0) {
		errf("nat %s: device %s is a switch port: a switch port cannot be an uplink "
		    "(masquerade needs a routed uplink)", name, dev);
		goto undo_instance;
	}
	if (nat_gateway_leg(c, ifx)) {
		errf("nat %s: device %s is a switch's gateway: it cannot be an uplink (masquerade "
		    "needs a routed uplink)", name, dev);
		goto undo_instance;
	}
	if (!has_to && (r.flags & SL_NAT_F_IPV6)) {
		if (nat6_uplink_addr(ifx, r6.ext)) {
			errf("nat %s: device %s has no global IPv6 address (add one, or give to ADDR6)",
			    name, dev);
			goto undo_instance;
		}
		r.flags |= SL_NAT_F_FOLLOW;
	} else if (!has_to) {
		int dplen;

		if (nl_addr_first(ifx, &r.ext_addr, &dplen)) {
			errf("nat %s: device %s has no IPv4 address (add one, or give to ADDR)", name,
			    dev);
			goto undo_instance;
		}
		r.flags |= SL_NAT_F_FOLLOW;
	}
	if (loaded) {
		if (nat_open(c, &n))
			goto undo_instance;
		if (rule_find(&n, name) >= 0) {
			errf("nat rule %s already exists", name);
			goto undo;
		}
		for (int s = 0; s < SL_NAT_RULES_MAX; s++) {
			const struct sl_nat_rule *o = &n.rule[s];
			__be32 m = o->src_mask & r.src_mask;	/* the shorter prefix */
			char a[24], b[24];

			if (!o->used) {
				if (slot < 0)
					slot = s;
				continue;
			}
			if ((o->flags ^ r.flags) & SL_NAT_F_IPV6)
				continue;	/* the other family */
			if (r.flags & SL_NAT_F_IPV6) {
				struct sl_nat6_rule o6;

				if (nat6_rule_get(c, s, &o6))
					goto undo;
				if (!nat6_overlap(&o6, &r6))
					continue;
				errf("nat %s: src overlaps rule %s", name, o->name);
				goto undo;
			}
			if ((o->src_addr & m) != (r.src_addr & m))
				continue;
			format_cidr(r.src_addr, r.src_mask, a);
			format_cidr(o->src_addr, o->src_mask, b);
			errf("nat %s: src %s overlaps rule %s (%s)", name, a, o->name, b);
			goto undo;
		}
		if (slot < 0) {
			errf("nat %s: all %d rule slots are in use", name, SL_NAT_RULES_MAX);
			goto undo;
		}
		if (uplink_xdp_clash(&n, &r))
			goto undo;
		if (has_flows && ct_flows(&n) != flows) {
			errf("nat %s: the connection table holds %u connections; conntrack is set "
			    "by the first rule only", name, ct_flows(&n));
			goto undo;
		}
	} else {
		if (nat_load(c, flows))
			goto undo_instance;
		if (nat_open(c, &n))
			goto undo;
		slot = 0;
	}
	/* The gateways' subnets stay untranslated from the rule's first packet on; the uplink
	 * is hooked (and marked so for the guard) before the rule exists. */
	if (nat_local_sync(c))
		goto undo;
	if (!uplink_in_use(&n, ifx, slot)) {
		if (nat_uplink_attach(c, ifx, dev))
			goto undo;
		if ((r.flags & SL_NAT_F_XDP) && nat_xdp_attach(c, ifx, dev, r.flags)) {
			nat_uplink_detach(c, ifx);
			goto undo;
		}
	}
	/* The IPv6 half first: the datapath reads it only once the common half is used. */
	if (((r.flags & SL_NAT_F_IPV6) && nat6_rule_put(c, slot, &r6)) || rule_put(&n, slot, &r)) {
		if (!uplink_in_use(&n, ifx, slot))
			nat_uplink_detach(c, ifx);
		goto undo;
	}
	nat_close(&n);
	return 0;
undo:
	nat_close(&n);
	if (!loaded)
		nat_unload(c);
undo_instance:
	if (fresh && switches_empty(c))
		instance_remove(c);
	return -1;
}

static int nat_open_existing(struct ctl *c, struct nat *n)
{
	if (instance_open(c, false))
		return -1;
	if (!nat_loaded(c))
		return errf("instance %s has no NAT rules", c->instance);
	return nat_open(c, n);
}

/* For queries: 1 (nothing printed) when there is no instance or no NAT, 0 and N open, -1. */
static int nat_open_query(struct ctl *c, struct nat *n)
{
	int q = instance_open_query(c);

	if (q)
		return q;
	if (!nat_loaded(c))
		return 1;
	return nat_open(c, n) ? -1 : 0;
}

static int nat_del(struct ctl *c, int argc, char **argv)
{
	struct nat n;
	__u32 ifx;
	int s;

	if (argc != 1)
		return errf("usage: sluice nat del NAME");
	if (nat_open_existing(c, &n))
		return -1;
	s = rule_find(&n, argv[0]);
	if (s < 0) {
		nat_close(&n);
		return errf("nat rule %s does not exist", argv[0]);
	}
	ifx = n.rule[s].out_ifindex;
	if (rule_put(&n, s, &(struct sl_nat_rule){})) {
		nat_close(&n);
		return -1;
	}
	if (!uplink_in_use(&n, ifx, -1))
		nat_uplink_detach(c, ifx);
	nat_flush(&n, 0, s);
	nat6_flush(c, s, NULL);
	nat_publish_flush(c, s);
	for (s = 0; s < SL_NAT_RULES_MAX && !n.rule[s].used; s++)
		;
	nat_close(&n);
	if (s < SL_NAT_RULES_MAX)
		return 0;
	nat_unload(c);	/* the last rule: nothing of the NAT stays behind */
	if (switches_empty(c))
		return instance_remove(c);
	return 0;
}

/* "attached"; "missing": no device of that name; "not attached": one came back (the
 * daemon hooks it). Without "attached" the rule's traffic is dropped, never leaked. */
static const char *uplink_state(struct ctl *c, const struct sl_nat_rule *r)
{
	if (nat_uplink_marked(c, r->out_ifindex) &&
	    nat_uplink_hooked(c, r->out_ifindex, r->out_name))
		return "attached";
	return nl_link_index(r->out_name) > 0 ? "not attached" : "missing";
}

static int nat_show(struct ctl *c, int argc, char **argv)
{
	json_object *arr;
	struct nat n;

	int q;

	if (argc)
		return errf("usage: sluice nat show");
	q = nat_open_query(c, &n);
	if (q < 0)
		return -1;
	arr = json_object_new_array();
	if (q == 0) {
		for (int s = 0; s < SL_NAT_RULES_MAX; s++) {
			const struct sl_nat_rule *r = &n.rule[s];
			json_object *o;
			char buf[24];

			if (!r->used)
				continue;
			o = json_object_new_object();
			jadd_str(o, "name", r->name);
			if (r->flags & SL_NAT_F_IPV6) {
				struct sl_nat6_rule r6;

				if (!nat6_rule_get(c, s, &r6))
					nat6_rule_json(o, &r6);
			} else {
				format_cidr(r->src_addr, r->src_mask, buf);
				jadd_str(o, "src", buf);
				format_ipv4(r->ext_addr, buf);
				jadd_str(o, "to", buf);
			}
			jadd_str(o, "out", r->out_name);
			snprintf(buf, sizeof(buf), "%u-%u", r->port_lo, r->port_hi);
			jadd_str(o, "ports", buf);
			jadd_bool(o, "follow", !!(r->flags & SL_NAT_F_FOLLOW));
			jadd_str(o, "uplink", uplink_state(c, r));
			jadd_bool(o, "random", !!(r->flags & SL_NAT_F_RANDOM));
			jadd_bool(o, "fastpath", !(r->flags & SL_NAT_F_SLOWPATH));
			jadd_str(o, "xdp", nat_xdp_mode_name(r->flags));
			jadd_str(o, "direct", r->flags & SL_NAT_F_DIRECT ? "allow" : "deny");
			json_object_array_add(arr, o);
		}
		nat_close(&n);
	}
	output_print(arr);
	return 0;
}

static int nat_ct_flush(struct ctl *c)
{
	struct nat n;

	if (nat_open_existing(c, &n))
		return -1;
	nat_flush(&n, 0, -1);
	nat6_flush(c, -1, NULL);
	nat_close(&n);
	return 0;
}

static long map_count(int fd, size_t ksize, __u8 only_dir)
{
	void *keys;
	long nk = keys_collect(fd, ksize, &keys), count = 0;

	for (long i = 0; i < nk; i++)
		if (only_dir == 0xff || ((struct sl_nat_ct_key *)keys)[i].dir == only_dir)
			count++;
	free(keys);
	return count;
}

static int nat_stats(struct ctl *c, int argc, char **argv)
{
	int ncpu = libbpf_num_possible_cpus();
	struct sl_nat_stats *per, s = {};
	json_object *o, *d;
	__u32 zero = 0;
	struct nat n;
	int q;

	if (argc)
		return errf("usage: sluice nat stats");
	q = nat_open_query(c, &n);
	if (q < 0)
		return -1;
	if (q) {	/* no NAT: every counter at zero */
		for (int i = 0; i < NAT_MAPS; i++)
			n.fd[i] = -1;
	}
	per = calloc(ncpu, sizeof(*per));
	if (!per || (!q && bpf_map_lookup_elem(n.fd[NAT_STATS], &zero, per))) {
		free(per);
		nat_close(&n);
		return errf("read map sl_nat_stats: %s", strerror(errno));
	}
	for (int i = 0; i < ncpu; i++)
		for (size_t w = 0; w < sizeof(s) / sizeof(__u64); w++)
			((__u64 *)&s)[w] += ((__u64 *)&per[i])[w];
	free(per);
	o = json_object_new_object();
	d = json_object_new_object();
	jadd_str(o, "instance", c->instance);
	jadd_int(o, "entries", q ? 0 : map_count(n.fd[NAT_CT], sizeof(struct sl_nat_ct_key),
						 SL_NAT_DIR_ORIG));
	jadd_int(o, "capacity", q ? 0 : ct_flows(&n));
	jadd_int(o, "mappings", q ? 0 : map_count(n.fd[NAT_MAP], sizeof(struct sl_nat_map_key),
						  0xff));
	jadd_int(o, "flows", s.flows);
	jadd_int(o, "allocations", s.allocations);
	jadd_int(o, "alloc_failed", s.alloc_failed);
	jadd_int(o, "collisions", s.collisions);
	jadd_int(o, "snat_packets", s.snat_packets);
	jadd_int(o, "dnat_packets", s.dnat_packets);
	jadd_int(o, "icmp_errors", s.icmp_errors);
	jadd_int(o, "fragments", s.fragments);
	jadd_int(o, "unsolicited", s.unsolicited);
	jadd_int(o, "repaired", s.repaired);
	jadd_int(o, "hairpin", s.hairpin);	/* packets of hairpin connections */
	jadd_int(o, "snat6_packets", s.snat6_packets);	/* nat66: also in the totals */
	jadd_int(o, "dnat6_packets", s.dnat6_packets);
	jadd_int(o, "flows6", s.flows6);
	nat_frag_stats_add(c, o, &s);
	for (int i = 0; i < SL_NAT_DROP_MAX; i++)
		jadd_int(d, drop_names[i], s.drops[i]);
	json_object_object_add(o, "drops", d);
	nat_close(&n);
	if (nat_fast_stats_add(c, o) || nat_xdp_stats_add(c, o)) {
		json_object_put(o);
		return -1;
	}
	output_print(o);
	return 0;
}

/* Show the timeouts, or set the ones named: `nat timeouts udp 2 icmp 2`. */
static int nat_timeouts(struct ctl *c, int argc, char **argv)
{
	struct sl_nat_cfg cfg;
	json_object *o;
	struct nat n;
	int ret = 0, q;

	if (argc % 2)
		return errf("usage: sluice nat timeouts [NAME SECONDS]...");
	for (int i = 0; i < argc; i += 2) {
		int st;
		uint32_t v;

		for (st = 0; st < SL_NAT_ST_MAX && strcmp(argv[i], timeout_names[st]); st++)
			;
		if (st == SL_NAT_ST_MAX)
			return errf("timeouts: unknown \"%s\" (tcp_syn_sent, tcp_syn_recv, "
				   "tcp_established, tcp_fin_wait, tcp_close_wait, tcp_last_ack, "
				   "tcp_time_wait, tcp_close, udp, udp_stream, icmp)", argv[i]);
		if (parse_u32(argv[i + 1], 1, 10000000, &v))
			return errf("timeouts %s \"%s\": expected seconds (1-10000000)", argv[i],
				   argv[i + 1]);
	}
	q = nat_open_query(c, &n);
	if (q < 0)
		return -1;
	if (q && argc)
		return errf("instance %s has no NAT rules: timeouts belong to a NAT (nat add first)",
			   c->instance);
	if (q) {	/* what a NAT made now would start with */
		const __u32 defaults[SL_NAT_ST_MAX] = SL_NAT_TIMEOUT_DEFAULTS;

		memcpy(cfg.timeout, defaults, sizeof(defaults));
		for (int i = 0; i < NAT_MAPS; i++)
			n.fd[i] = -1;
	} else if (cfg_get(&n, &cfg)) {
		nat_close(&n);
		return -1;
	}
	for (int i = 0; i < argc; i += 2)
		for (int st = 0; st < SL_NAT_ST_MAX; st++)
			if (!strcmp(argv[i], timeout_names[st]))
				cfg.timeout[st] = strtoul(argv[i + 1], NULL, 10);
	if (argc)
		ret = cfg_put(&n, &cfg);
	nat_close(&n);
	if (argc || ret)
		return ret;
	o = json_object_new_object();
	jadd_str(o, "instance", c->instance);
	for (int st = 0; st < SL_NAT_ST_MAX; st++)
		jadd_int(o, timeout_names[st], cfg.timeout[st]);
	output_print(o);
	return 0;
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
	if (!nat_loaded(c) || nat_open(c, &n))
		return;
	nat_follow(&n);
	nat_expire(&n);
	nat6_round(c, n.rule);
	nat_close(&n);
}

int cmd_nat(struct ctl *c, int argc, char **argv)
{
	if (argc < 1 || matches(argv[0], "show"))
		return nat_show(c, argc > 0 ? argc - 1 : 0, argv + 1);
	if (matches(argv[0], "add"))
		return nat_add(c, argc - 1, argv + 1);
	if (matches(argv[0], "del") || matches(argv[0], "delete"))
		return nat_del(c, argc - 1, argv + 1);
	if (matches(argv[0], "stats") && argc > 1 && matches(argv[1], "rules"))
		return nat_stats_rules(c, argc - 2, argv + 2);
	if (matches(argv[0], "stats"))
		return nat_stats(c, argc - 1, argv + 1);
	if (matches(argv[0], "publish"))
		return nat_publish_cmd(c, argc - 1, argv + 1);
	if (matches(argv[0], "timeouts"))
		return nat_timeouts(c, argc - 1, argv + 1);
	if (matches(argv[0], "ct") || matches(argv[0], "conntrack")) {
		if (argc >= 2 && matches(argv[1], "flush"))
			return argc > 2 ? errf("usage: sluice nat ct flush") : nat_ct_flush(c);
		return nat_ct_cmd(c, argc - 1, argv + 1);
	}
	return errf("nat: unknown command \"%s\" (add, del, show, ct, stats, publish, timeouts)", argv[0]);
}
