// SPDX-License-Identifier: MIT
/* `sluice nat`: adding and deleting masquerade rules, and the command's dispatch. The maps
 * are opened in nat_maps.c, shown in nat_show.c and collected in nat_gc.c. */
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
#include "nat_show.h"
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

static bool switches_empty(struct ctl *c)
{
	char key[SL_NAME_LEN];

	return bpf_map_get_next_key(c->switches, NULL, key) != 0;
}

/* What `nat add NAME ...` asked for: the rule (and its IPv6 half) as the maps hold it. */
struct nat_req {
	struct sl_nat_rule r;
	struct sl_nat6_rule r6;
	uint32_t flows;
	const char *name, *dev, *to;
	bool has_src, has_to, has_flows;
	int ifx;
};

/* Option K V of `nat add` (V NULL when K is the last word): 1 when V was taken, 0 when K
 * stands alone, -1 printed. */
static int nat_opt(struct nat_req *q, const char *k, const char *v)
{
	struct sl_nat_rule *r = &q->r;
	int plen;

	if (!strcmp(k, "src") && v && strchr(v, ':')) {
		if (nat6_parse_cidr(v, &q->r6))
			return errf("src \"%s\" is not an IPv6 CIDR such as fd00::/64", v);
		r->flags |= SL_NAT_F_IPV6;	/* IPv4 fields that match nothing */
		r->src_addr = SL_NAT6_V4_SRC;
		r->src_mask = SL_NAT6_V4_MASK;
		q->has_src = true;
	} else if (!strcmp(k, "src") && v) {
		if (parse_cidr(v, &r->src_addr, &plen))
			return errf("src \"%s\" is not an IPv4 CIDR such as 10.20.0.0/24 "
				   "or an IPv6 one such as fd00::/64", v);
		r->src_mask = mask_of(plen);
		r->src_addr &= r->src_mask;
		q->has_src = true;
	} else if (!strcmp(k, "out") && v) {
		q->dev = v;
	} else if (!strcmp(k, "to") && v) {
		q->to = v;	/* its family is the src's: checked by nat_parse */
		q->has_to = true;
	} else if (!strcmp(k, "ports") && v) {
		if (parse_ports(v, &r->port_lo, &r->port_hi))
			return errf("ports \"%s\": expected LO-HI within 1-65535, LO <= HI", v);
		r->flags |= SL_NAT_F_PORTS;
	} else if (!strcmp(k, "conntrack") && v) {
		if (parse_u32(v, SL_NAT_FLOWS_MIN, SL_NAT_FLOWS_MAX, &q->flows))
			return errf("conntrack \"%s\": expected connections (%u-%u)", v,
				   SL_NAT_FLOWS_MIN, SL_NAT_FLOWS_MAX);
		q->has_flows = true;
	} else if (!strcmp(k, "direct") && v) {
		/* Docker's allow-direct-routing: the uplink side may route to the subnet. */
		if (strcmp(v, "allow") && strcmp(v, "deny"))
			return errf("direct \"%s\": expected allow or deny", v);
		if (!strcmp(v, "allow"))
			r->flags |= SL_NAT_F_DIRECT;
	} else if (!strcmp(k, "random")) {
		r->flags |= SL_NAT_F_RANDOM;
		return 0;
	} else if (!strcmp(k, "fastpath") && v) {
		if (strcmp(v, "on") && strcmp(v, "off"))
			return errf("fastpath \"%s\": expected on or off", v);
		if (!strcmp(v, "off"))
			r->flags |= SL_NAT_F_SLOWPATH;
	} else if (!strcmp(k, "xdp") && v) {
		/* For NIC uplinks: replies translated before the stack allocates an skb. */
		if (strcmp(v, "native") && strcmp(v, "generic"))
			return errf("xdp \"%s\": expected native or generic", v);
		r->flags |= !strcmp(v, "native") ? SL_NAT_F_XDP_NATIVE : SL_NAT_F_XDP_GENERIC;
	} else {
		return errf("nat add: unexpected \"%s\" (%s)", k, NAT_USAGE);
	}
	return 1;
}

/* The command line into Q, checked as far as it goes without the instance: name, options,
 * the "to" address in the src's family, and the uplink's ifindex. 0, or -1 printed. */
static int nat_parse(struct nat_req *q, int argc, char **argv)
{
	struct sl_nat_rule *r = &q->r;

	if (argc < 1)
		return errf(NAT_USAGE);
	q->name = argv[0];
	if (!name_valid(q->name, SL_NAME_LEN - 1))
		return errf("nat name \"%s\" is invalid (1-%d of A-Z a-z 0-9 _ . -)", q->name,
			   SL_NAME_LEN - 1);
	for (int i = 1; i < argc; i++) {
		int n = nat_opt(q, argv[i], i + 1 < argc ? argv[i + 1] : NULL);

		if (n < 0)
			return -1;
		i += n;
	}
	if (!q->has_src || !q->dev)
		return errf(NAT_USAGE);
	if (q->has_to && !(r->flags & SL_NAT_F_IPV6) &&
	    (parse_ipv4(q->to, &r->ext_addr) || !r->ext_addr))
		return errf("to \"%s\" is not an IPv4 address (src is IPv4)", q->to);
	if (q->has_to && (r->flags & SL_NAT_F_IPV6) &&
	    (inet_pton(AF_INET6, q->to, q->r6.ext) != 1 ||
	     !(q->r6.ext[0] | q->r6.ext[1] | q->r6.ext[2] | q->r6.ext[3])))
		return errf("to \"%s\" is not an IPv6 address (src is IPv6)", q->to);
	if ((r->flags & SL_NAT_F_IPV6) && (r->flags & SL_NAT_F_DIRECT))
		return errf("nat %s: direct allow is IPv4 only for now", q->name);
	q->ifx = nl_link_index(q->dev);
	if (q->ifx < 0)
		return errf("nat %s: device %s does not exist in the host netns", q->name, q->dev);
	r->out_ifindex = q->ifx;
	snprintf(r->name, sizeof(r->name), "%s", q->name);
	snprintf(r->out_name, sizeof(r->out_name), "%s", q->dev);
	return 0;
}

/* The uplink (instance open): routed, not a switch's, and without "to" it has an address
 * of the src's family to follow. 0, or -1 printed. */
static int nat_uplink_check(struct ctl *c, struct nat_req *q)
{
	const char *name = q->name, *dev = q->dev;

	if (bpf_map_lookup_elem(c->ports, &(__u32){ q->ifx }, &(struct sl_port){}) == 0)
		return errf("nat %s: device %s is a switch port: a switch port cannot be an uplink "
			   "(masquerade needs a routed uplink)", name, dev);
	if (nat_gateway_leg(c, q->ifx))
		return errf("nat %s: device %s is a switch's gateway: it cannot be an uplink "
			   "(masquerade needs a routed uplink)", name, dev);
	if (!q->has_to && (q->r.flags & SL_NAT_F_IPV6)) {
		if (nat6_uplink_addr(q->ifx, q->r6.ext))
			return errf("nat %s: device %s has no global IPv6 address (add one, or give "
				   "to ADDR6)", name, dev);
		q->r.flags |= SL_NAT_F_FOLLOW;
	} else if (!q->has_to) {
		int dplen;

		if (nl_addr_first(q->ifx, &q->r.ext_addr, &dplen))
			return errf("nat %s: device %s has no IPv4 address (add one, or give to ADDR)",
				   name, dev);
		q->r.flags |= SL_NAT_F_FOLLOW;
	}
	return 0;
}

/* Rule S of N is Q's src or overlaps it (the same family): true, printed. */
static bool nat_src_clash(struct ctl *c, struct nat *n, int s, const struct nat_req *q)
{
	const struct sl_nat_rule *o = &n->rule[s], *r = &q->r;
	__be32 m = o->src_mask & r->src_mask;	/* the shorter prefix */
	char a[24], b[24];

	if ((o->flags ^ r->flags) & SL_NAT_F_IPV6)
		return false;	/* the other family */
	if (r->flags & SL_NAT_F_IPV6) {
		struct sl_nat6_rule o6;

		if (nat6_rule_get(c, s, &o6))
			return true;
		if (!nat6_overlap(&o6, &q->r6))
			return false;
		errf("nat %s: src overlaps rule %s", q->name, o->name);
		return true;
	}
	if ((o->src_addr & m) != (r->src_addr & m))
		return false;
	format_cidr(r->src_addr, r->src_mask, a);
	format_cidr(o->src_addr, o->src_mask, b);
	errf("nat %s: src %s overlaps rule %s (%s)", q->name, a, o->name, b);
	return true;
}

/* One rule's src holding another's external address on the same uplink would translate
 * the other's packets twice and take its replies for private traffic (docs/datapath.md). */
static bool nat_ext_clash(const struct nat *n, int s, const struct nat_req *q)
{
	const struct sl_nat_rule *o = &n->rule[s], *r = &q->r;
	char a[24], b[16];

	if (((o->flags | r->flags) & SL_NAT_F_IPV6) || o->out_ifindex != r->out_ifindex)
		return false;
	if ((o->ext_addr & r->src_mask) == r->src_addr) {
		format_cidr(r->src_addr, r->src_mask, a);
		format_ipv4(o->ext_addr, b);
		errf("nat %s: src %s holds %s, the external address of rule %s on %s", q->name, a,
		     b, o->name, q->dev);
		return true;
	}
	if ((r->ext_addr & o->src_mask) == o->src_addr) {
		format_cidr(o->src_addr, o->src_mask, a);
		format_ipv4(r->ext_addr, b);
		errf("nat %s: external address %s is inside src %s of rule %s on %s", q->name, b,
		     a, o->name, q->dev);
		return true;
	}
	return false;
}

/* With the NAT loaded: the slot Q's rule takes, once it clashes with no rule there; or -1
 * printed. */
static int nat_slot_pick(struct ctl *c, struct nat *n, const struct nat_req *q)
{
	int slot = -1;

	if (rule_find(n, q->name) >= 0)
		return errf("nat rule %s already exists", q->name);
	for (int s = 0; s < SL_NAT_RULES_MAX; s++) {
		if (!n->rule[s].used) {
			if (slot < 0)
				slot = s;
			continue;
		}
		if (nat_src_clash(c, n, s, q) || nat_ext_clash(n, s, q))
			return -1;
	}
	if (slot < 0)
		return errf("nat %s: all %d rule slots are in use", q->name, SL_NAT_RULES_MAX);
	if (uplink_xdp_clash(n, &q->r))
		return -1;
	if (q->has_flows && ct_flows(n) != q->flows)
		return errf("nat %s: the connection table holds %u connections; conntrack is set "
			   "by the first rule only", q->name, ct_flows(n));
	return slot;
}

/* Q's rule into SLOT: the uplink hooked (if no other rule has it) before the rule exists.
 * 0, or -1 printed with the hooks it made taken off again. */
static int nat_rule_install(struct ctl *c, struct nat *n, struct nat_req *q, int slot)
{
	struct sl_nat_rule *r = &q->r;

	/* The gateways' subnets stay untranslated from the rule's first packet on; the uplink
	 * is hooked (and marked so for the guard) before the rule exists. */
	if (nat_local_sync(c))
		return -1;
	if (!uplink_in_use(n, q->ifx, slot)) {
		if (nat_uplink_attach(c, q->ifx, q->dev))
			return -1;
		if ((r->flags & SL_NAT_F_XDP) && nat_xdp_attach(c, q->ifx, q->dev, r->flags)) {
			nat_uplink_detach(c, q->ifx);
			return -1;
		}
	}
	/* The IPv6 half first: the datapath reads it only once the common half is used. */
	if (((r->flags & SL_NAT_F_IPV6) && nat6_rule_put(c, slot, &q->r6)) ||
	    rule_put(n, slot, r)) {
		if (!uplink_in_use(n, q->ifx, slot))
			nat_uplink_detach(c, q->ifx);
		return -1;
	}
	return 0;
}

/* parse → open (and load) → check → install; the undo runs backwards, and a failed add
 * leaves no instance or NAT it made. */
static int nat_add(struct ctl *c, int argc, char **argv)
{
	struct nat_req q = {
		.r = { .used = 1, .port_lo = SL_NAT_PORT_LO, .port_hi = SL_NAT_PORT_HI },
		.flows = SL_NAT_FLOWS_DEFAULT,
	};
	char probe[PATH_MAX];
	bool fresh, loaded;
	struct nat n;
	int slot;

	if (nat_parse(&q, argc, argv))
		return -1;
	snprintf(probe, sizeof(probe), "%s/%s/%s", SL_PIN_BASE, c->instance, SL_PIN_PROG_TC);
	fresh = access(probe, F_OK) != 0;
	if (instance_open(c, true))
		return -1;
	loaded = nat_loaded(c);
	if (nat_uplink_check(c, &q))
		goto undo_instance;
	if (loaded) {
		if (nat_maps_open(c, &n))
			goto undo_instance;
		slot = nat_slot_pick(c, &n, &q);
		if (slot < 0)
			goto undo;
	} else {
		if (nat_load(c, q.flows))
			goto undo_instance;
		if (nat_maps_open(c, &n))
			goto undo;
		slot = 0;
	}
	if (nat_rule_install(c, &n, &q, slot))
		goto undo;
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
		return nat_stats_cmd(c, argc - 1, argv + 1);
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
