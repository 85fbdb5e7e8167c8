// SPDX-License-Identifier: MIT
/* `nat show`, `nat stats` and `nat timeouts`: the rules, the counters and the timeouts. */
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
#include "nat_ctl.h"
#include "nat_frag.h"
#include "nat_maps.h"
#include "nat_show.h"
#include "nat6.h"
#include "netlink.h"
#include "output.h"
#include "parse.h"
#include "sluice_nat_fast.h"

static const char *const timeout_names[SL_NAT_ST_MAX] = SL_NAT_TIMEOUT_NAMES;
static const char *const drop_names[SL_NAT_DROP_MAX] = SL_NAT_DROP_NAMES;

/* "attached"; "missing": no device of that name; "not attached": one came back (the
 * daemon hooks it). Without "attached" the rule's traffic is dropped, never leaked. */
static const char *uplink_state(struct ctl *c, const struct sl_nat_rule *r)
{
	if (nat_uplink_marked(c, r->out_ifindex) &&
	    nat_uplink_hooked(c, r->out_ifindex, r->out_name))
		return "attached";
	return nl_link_index(r->out_name) > 0 ? "not attached" : "missing";
}

int nat_show(struct ctl *c, int argc, char **argv)
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

int nat_stats_cmd(struct ctl *c, int argc, char **argv)
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
int nat_timeouts(struct ctl *c, int argc, char **argv)
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
