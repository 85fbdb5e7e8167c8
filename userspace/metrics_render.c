// SPDX-License-Identifier: MIT
/* What /metrics says, read from the instance's pins without its lock (reads only):
 * per-port counters and drops by reason, FDB and NAT table fill, NAT counters, per-rule
 * table use, lost events, build info. docs/metrics.md lists every family. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "ctl.h"
#include "events.h"
#include "metrics.h"
#include "percpu.h"
#include "nat_ctl.h"
#include "nat_frag.h"
#include "sluice_nat.h"
#include "sluice_nat_fast.h"
#include "sluice_nat_pub.h"

#ifndef SLUICE_GIT
#define SLUICE_GIT "unknown"
#endif

static const char *const drop_names[SL_DROP_MAX] = SL_DROP_NAMES;
static const char *const nat_drop_names[SL_NAT_DROP_MAX] = SL_NAT_DROP_NAMES;
static const char *const slow_names[SL_NAT_SLOW_MAX] = SL_NAT_SLOW_NAMES;

struct port_row {
	char name[SL_NAME_LEN + 1], sw[SL_NAME_LEN + 1];
	struct sl_port_stats s;
};

struct scrape {
	char root[PATH_MAX];
	FILE *f;
	struct port_row *ports;
	int nports;
	char sw_name[256][SL_NAME_LEN + 1];	/* by switch id */
};

static int pin_fd(struct scrape *s, const char *leaf)
{
	char path[PATH_MAX + SL_NAME_LEN + 8];

	snprintf(path, sizeof(path), "%s/%s", s->root, leaf);
	return bpf_obj_get(path);
}

static void family(struct scrape *s, const char *name, const char *type, const char *help)
{
	fprintf(s->f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static __u32 map_capacity(int fd)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	return bpf_obj_get_info_by_fd(fd, &info, &len) ? 0 : info.max_entries;
}

static void switches_read(struct scrape *s)
{
	char key[SL_NAME_LEN], next[SL_NAME_LEN];
	int fd = pin_fd(s, "sl_switches");
	struct sl_switch sw;
	bool first = true;

	while (fd >= 0 && bpf_map_get_next_key(fd, first ? NULL : key, next) == 0) {
		first = false;
		memcpy(key, next, sizeof(key));
		if (bpf_map_lookup_elem(fd, next, &sw) == 0 && sw.id < 256)
			snprintf(s->sw_name[sw.id], sizeof(s->sw_name[0]), "%.*s", SL_NAME_LEN, next);
	}
	if (fd >= 0)
		close(fd);
}

static int ports_read(struct scrape *s)
{
	int pfd = pin_fd(s, "sl_ports"), sfd = pin_fd(s, "sl_stats");
	__u32 key, next;
	struct sl_port p;
	bool first = true;

	if (pfd < 0 || sfd < 0) {
		if (pfd >= 0)
			close(pfd);
		if (sfd >= 0)
			close(sfd);
		return -1;
	}
	s->ports = calloc(SL_PORTS_MAX, sizeof(*s->ports));
	while (s->ports && s->nports < SL_PORTS_MAX &&
	       bpf_map_get_next_key(pfd, first ? NULL : &key, &next) == 0) {
		struct port_row *r = &s->ports[s->nports];

		first = false;
		key = next;
		if (bpf_map_lookup_elem(pfd, &next, &p) || percpu_sum(sfd, p.slot, &r->s, sizeof(r->s)))
			continue;
		snprintf(r->name, sizeof(r->name), "%.*s", SL_NAME_LEN, p.name);
		snprintf(r->sw, sizeof(r->sw), "%s", p.switch_id < 256 ? s->sw_name[p.switch_id] : "");
		s->nports++;
	}
	close(pfd);
	close(sfd);
	return 0;
}

#define PORT_COUNTER(s, metric, field, help) do {					\
	family(s, metric, "counter", help);						\
	for (int _i = 0; _i < (s)->nports; _i++)					\
		fprintf((s)->f, "%s{port=\"%s\",switch=\"%s\"} %llu\n", metric,		\
			(s)->ports[_i].name, (s)->ports[_i].sw,				\
			(unsigned long long)(s)->ports[_i].s.field);			\
} while (0)

static void ports_render(struct scrape *s)
{
	family(s, "sluice_ports", "gauge", "Ports attached to the instance's switches.");
	fprintf(s->f, "sluice_ports %d\n", s->nports);
	PORT_COUNTER(s, "sluice_port_rx_packets_total", rx_packets, "Frames received by the port's hook.");
	PORT_COUNTER(s, "sluice_port_rx_bytes_total", rx_bytes, "Bytes received by the port's hook.");
	PORT_COUNTER(s, "sluice_port_tx_packets_total", tx_packets, "Frames the switch sent to the port.");
	PORT_COUNTER(s, "sluice_port_tx_bytes_total", tx_bytes, "Bytes the switch sent to the port.");
	PORT_COUNTER(s, "sluice_port_fdb_learned_total", learned, "FDB entries the port's frames created.");
	PORT_COUNTER(s, "sluice_port_fdb_learn_failed_total", learn_failed,
		     "Source MACs not learned because the FDB was full.");
	PORT_COUNTER(s, "sluice_port_flooded_total", flooded, "Frames the port flooded in its VLAN.");
	PORT_COUNTER(s, "sluice_port_xdp_pass_total", xdp_pass, "XDP frames handed on to the tc hook.");
	family(s, "sluice_port_drops_total", "counter", "Frames dropped on the port, by reason.");
	for (int i = 0; i < s->nports; i++)
		for (int d = 0; d < SL_DROP_MAX; d++)
			fprintf(s->f, "sluice_port_drops_total{port=\"%s\",switch=\"%s\",reason=\"%s\"} %llu\n",
				s->ports[i].name, s->ports[i].sw, drop_names[d],
				(unsigned long long)s->ports[i].s.drops[d]);
}

static void fdb_render(struct scrape *s)
{
	int fd = pin_fd(s, "sl_fdb");
	__u64 count[256] = {};
	struct sl_fdb_key key, next;
	bool first = true;

	if (fd < 0)
		return;
	while (bpf_map_get_next_key(fd, first ? NULL : &key, &next) == 0) {
		first = false;
		key = next;
		if (next.switch_id < 256)
			count[next.switch_id]++;
	}
	family(s, "sluice_fdb_entries", "gauge", "MAC table entries, by switch.");
	for (int id = 1; id < 256; id++)
		if (s->sw_name[id][0])
			fprintf(s->f, "sluice_fdb_entries{switch=\"%s\"} %llu\n", s->sw_name[id],
				(unsigned long long)count[id]);
	family(s, "sluice_fdb_capacity", "gauge", "MAC table entries the instance can hold.");
	fprintf(s->f, "sluice_fdb_capacity %u\n", map_capacity(fd));
	close(fd);
}

struct nat_scrape {
	int fd[NAT_MAPS];
	struct sl_nat_rule rule[SL_NAT_RULES_MAX];
	__u64 rule_conns[SL_NAT_RULES_MAX], rule_maps[SL_NAT_RULES_MAX];
	__u64 conns, mappings;
};

/* Connections (ORIG halves) and mappings, in total and per rule slot. */
static void nat_count(struct nat_scrape *n)
{
	struct sl_nat_ct_key k, kn;
	struct sl_nat_map_key mk, mn;
	struct sl_nat_ct v;
	struct sl_nat_map mv;
	bool first = true;

	while (bpf_map_get_next_key(n->fd[NAT_CT], first ? NULL : &k, &kn) == 0) {
		first = false;
		k = kn;
		if (kn.dir != SL_NAT_DIR_ORIG || bpf_map_lookup_elem(n->fd[NAT_CT], &kn, &v))
			continue;
		n->conns++;
		if (v.rule < SL_NAT_RULES_MAX)
			n->rule_conns[v.rule]++;
	}
	first = true;
	while (bpf_map_get_next_key(n->fd[NAT_MAP], first ? NULL : &mk, &mn) == 0) {
		first = false;
		mk = mn;
		if (bpf_map_lookup_elem(n->fd[NAT_MAP], &mn, &mv))
			continue;
		n->mappings++;
		if (mv.rule < SL_NAT_RULES_MAX)
			n->rule_maps[mv.rule]++;
	}
}

#define NAT_COUNTER(s, metric, val, help) do {					\
	family(s, metric, "counter", help);					\
	fprintf((s)->f, "%s %llu\n", metric, (unsigned long long)(val));	\
} while (0)

static void nat_rules_render(struct scrape *s, struct nat_scrape *n)
{
	static const struct { const char *metric, *help; } fam[] = {
		{ "sluice_nat_rule_connections", "Connections in the table, by the rule that made them." },
		{ "sluice_nat_rule_mappings", "External ports mapped, by rule." },
		{ "sluice_nat_rule_ports", "External ports the rule's range holds (its capacity)." },
	};

	for (size_t f = 0; f < sizeof(fam) / sizeof(fam[0]); f++) {
		family(s, fam[f].metric, "gauge", fam[f].help);
		for (int r = 0; r < SL_NAT_RULES_MAX; r++) {
			const struct sl_nat_rule *ru = &n->rule[r];
			unsigned lo = ru->port_lo, hi = ru->port_hi;
			__u64 v = f == 0 ? n->rule_conns[r] : f == 1 ? n->rule_maps[r] : 0;

			if (!ru->used)
				continue;
			if (f == 2) {
				if (!lo || hi < lo) {
					lo = SL_NAT_PORT_LO;
					hi = SL_NAT_PORT_HI;
				}
				v = hi - lo + 1;
			}
			fprintf(s->f, "%s{rule=\"%.*s\",out=\"%.*s\"} %llu\n", fam[f].metric,
				SL_NAME_LEN, ru->name, SL_NAME_LEN, ru->out_name,
				(unsigned long long)v);
		}
	}
}

/* Fragments that came before their first (docs/nat-fragments.md): the datapath's counters
 * and the daemon's, as `nat stats` adds them. */
static void nat_frag_render(struct scrape *s, const struct sl_nat_stats *st)
{
	struct sl_nat_frag_ctl f;

	frag_ctl_read(s->root, &f);	/* zeros while no daemon has held any */
	NAT_COUNTER(s, "sluice_nat_fragments_held_total", st->frag_held,
		    "Fragments that came before their first, handed to the daemon to hold.");
	NAT_COUNTER(s, "sluice_nat_fragments_released_total", st->frag_released,
		    "Held fragments whose first fragment came.");
	NAT_COUNTER(s, "sluice_nat_fragments_expired_total", st->frag_expired + f.expired,
		    "Held fragments whose first fragment never came in time.");
	NAT_COUNTER(s, "sluice_nat_fragments_overflow_total", st->frag_overflow,
		    "Early fragments not held: a bound was reached.");
	NAT_COUNTER(s, "sluice_nat_fragments_reinjected_total", f.reinjected,
		    "Held fragments the daemon sent on, translated.");
	NAT_COUNTER(s, "sluice_nat_fragments_lost_total", f.lost,
		    "Early fragments the daemon could not keep or send.");
}

static void nat_render(struct scrape *s)
{
	struct nat_scrape n = {};
	struct sl_nat_stats st;
	int i;

	for (i = 0; i < NAT_MAPS; i++)
		n.fd[i] = -1;
	for (i = 0; i < NAT_MAPS; i++)
		if ((n.fd[i] = pin_fd(s, nat_map_names[i])) < 0)
			goto out;	/* no NAT in this instance */
	for (__u32 r = 0; r < SL_NAT_RULES_MAX; r++)
		if (bpf_map_lookup_elem(n.fd[NAT_RULES], &r, &n.rule[r]))
			memset(&n.rule[r], 0, sizeof(n.rule[r]));
	if (percpu_sum(n.fd[NAT_STATS], 0, &st, sizeof(st)))
		goto out;
	nat_count(&n);
	family(s, "sluice_nat_connections", "gauge", "Connections in the NAT table.");
	fprintf(s->f, "sluice_nat_connections %llu\n", (unsigned long long)n.conns);
	family(s, "sluice_nat_connections_capacity", "gauge", "Connections the NAT table holds.");
	fprintf(s->f, "sluice_nat_connections_capacity %u\n", map_capacity(n.fd[NAT_CT]) / 2);
	family(s, "sluice_nat_mappings", "gauge", "Internal endpoints mapped to an external port.");
	fprintf(s->f, "sluice_nat_mappings %llu\n", (unsigned long long)n.mappings);
	family(s, "sluice_nat_mappings_capacity", "gauge", "Mappings the mapping table holds.");
	fprintf(s->f, "sluice_nat_mappings_capacity %u\n", map_capacity(n.fd[NAT_MAP]));
	family(s, "sluice_nat_translated_packets_total", "counter",
	       "Packets translated, by direction (out: SNAT, in: DNAT).");
	fprintf(s->f, "sluice_nat_translated_packets_total{direction=\"out\"} %llu\n"
		"sluice_nat_translated_packets_total{direction=\"in\"} %llu\n",
		(unsigned long long)st.snat_packets, (unsigned long long)st.dnat_packets);
	NAT_COUNTER(s, "sluice_nat_connections_created_total", st.flows, "Connections created.");
	NAT_COUNTER(s, "sluice_nat_port_allocations_total", st.allocations,
		    "External ports allocated to an internal endpoint.");
	NAT_COUNTER(s, "sluice_nat_port_exhausted_total", st.alloc_failed,
		    "Allocations that found no free external port (port exhaustion).");
	NAT_COUNTER(s, "sluice_nat_port_collisions_total", st.collisions,
		    "Candidate external ports found taken during allocation.");
	NAT_COUNTER(s, "sluice_nat_repaired_total", st.repaired,
		    "Connection halves the LRU evicted, rebuilt.");
	NAT_COUNTER(s, "sluice_nat_unsolicited_total", st.unsolicited,
		    "Inbound packets to a mapped port no connection explains (passed to the host).");
	NAT_COUNTER(s, "sluice_nat_icmp_errors_translated_total", st.icmp_errors,
		    "ICMP errors translated, both ways.");
	NAT_COUNTER(s, "sluice_nat_fragments_translated_total", st.fragments,
		    "Non-first fragments translated.");
	NAT_COUNTER(s, "sluice_nat_hairpin_packets_total", st.hairpin,
		    "Packets of hairpin connections (container to uplink address : published port), both ways.");
	nat_frag_render(s, &st);
	family(s, "sluice_nat_drops_total", "counter", "Packets the NAT dropped, by reason.");
	for (i = 0; i < SL_NAT_DROP_MAX; i++)
		fprintf(s->f, "sluice_nat_drops_total{reason=\"%s\"} %llu\n", nat_drop_names[i],
			(unsigned long long)st.drops[i]);
	nat_rules_render(s, &n);
out:
	for (i = 0; i < NAT_MAPS; i++)
		if (n.fd[i] >= 0)
			close(n.fd[i]);
}

/* Packets the NAT fast path sent itself, and those it left to the host's path, by reason. */
static void nat_fast_render(struct scrape *s)
{
	static const char *const dir[2] = { [SL_NAT_FAST_DIR_OUT] = "out",
					    [SL_NAT_FAST_DIR_IN] = "in" };
	int fd = pin_fd(s, SL_NAT_FAST_STATS_MAP);
	struct sl_nat_fast_stats fs;

	if (fd < 0)
		return;		/* no NAT, or one loaded by a build without the fast path */
	if (percpu_sum(fd, 0, &fs, sizeof(fs)) == 0) {
		family(s, "sluice_nat_fastpath_packets_total", "counter",
		       "Packets the NAT fast path routed, translated and sent itself, by direction.");
		for (int d = 0; d < 2; d++)
			fprintf(s->f, "sluice_nat_fastpath_packets_total{direction=\"%s\"} %llu\n",
				dir[d], (unsigned long long)fs.fast[d]);
		family(s, "sluice_nat_slowpath_packets_total", "counter",
		       "Packets the NAT fast path left to the host's path, by direction and reason.");
		for (int d = 0; d < 2; d++)
			for (int r = 0; r < SL_NAT_SLOW_MAX; r++)
				fprintf(s->f, "sluice_nat_slowpath_packets_total{direction=\"%s\","
					"reason=\"%s\"} %llu\n", dir[d], slow_names[r],
					(unsigned long long)fs.slow[d][r]);
	}
	close(fd);
}

/* What the NAT's XDP programs sent themselves and handed on to tc, by direction (and reason). */
static void nat_xdp_render(struct scrape *s)
{
	static const char *const dir[2] = { [SL_NAT_FAST_DIR_OUT] = "out",
					    [SL_NAT_FAST_DIR_IN] = "in" };
	int fd = pin_fd(s, SL_NAT_XDP_STATS_MAP);
	struct sl_nat_xdp_stats xs;

	if (fd < 0)
		return;		/* no NAT, or one loaded by a build without the XDP uplink */
	if (percpu_sum(fd, 0, &xs, sizeof(xs)) == 0) {
		family(s, "sluice_nat_xdp_packets_total", "counter",
		       "Packets the NAT's XDP programs translated and redirected, by direction.");
		for (int d = 0; d < 2; d++)
			fprintf(s->f, "sluice_nat_xdp_packets_total{direction=\"%s\"} %llu\n",
				dir[d], (unsigned long long)xs.fast[d]);
		family(s, "sluice_nat_xdp_passed_total", "counter",
		       "Packets the NAT's XDP programs handed on to tc, by direction and reason.");
		for (int d = 0; d < 2; d++) {
			fprintf(s->f, "sluice_nat_xdp_passed_total{direction=\"%s\",reason=\"no_flow\"}"
				" %llu\n", dir[d], (unsigned long long)xs.no_flow[d]);
			for (int r = 0; r < SL_NAT_SLOW_MAX; r++)
				fprintf(s->f, "sluice_nat_xdp_passed_total{direction=\"%s\","
					"reason=\"%s\"} %llu\n", dir[d], slow_names[r],
					(unsigned long long)xs.pass[d][r]);
		}
	}
	close(fd);
}

/* Published ports (each port of a range counts) against the table's capacity. */
static void nat_pub_render(struct scrape *s)
{
	int fd = pin_fd(s, SL_NAT_PUB_MAP);
	struct sl_nat_pub_key k, next;
	bool first = true;
	__u64 n = 0;

	if (fd < 0)
		return;
	while (bpf_map_get_next_key(fd, first ? NULL : &k, &next) == 0) {
		first = false;
		k = next;
		n++;
	}
	family(s, "sluice_nat_published_ports", "gauge",
	       "Published ports (sluice nat publish; each port of a range counts).");
	fprintf(s->f, "sluice_nat_published_ports %llu\n", (unsigned long long)n);
	family(s, "sluice_nat_published_ports_capacity", "gauge", "Published ports the table holds.");
	fprintf(s->f, "sluice_nat_published_ports_capacity %u\n", map_capacity(fd));
	close(fd);
}

static void events_render(struct scrape *s)
{
	struct ev_maps m;

	if (ev_open(s->root, &m))
		return;
	family(s, "sluice_events_lost_total", "counter",
	       "Events the ring buffer had no room for (a monitor fell behind).");
	fprintf(s->f, "sluice_events_lost_total %llu\n", (unsigned long long)ev_lost(&m));
	family(s, "sluice_monitor_active", "gauge", "1 while a sluice monitor reads events.");
	fprintf(s->f, "sluice_monitor_active %d\n", ev_consumer_alive(s->root) ? 1 : 0);
	ev_close(&m);
}

int metrics_render(const char *instance, FILE *f)
{
	struct scrape *s = calloc(1, sizeof(*s));
	struct utsname u;
	int nsw = 0;

	if (!s)
		return -1;
	s->f = f;
	snprintf(s->root, sizeof(s->root), "%s/%s", SL_PIN_BASE, instance);
	switches_read(s);
	if (ports_read(s)) {
		free(s);
		return -1;
	}
	uname(&u);
	family(s, "sluice_build_info", "gauge", "The build serving these metrics (always 1).");
	fprintf(f, "sluice_build_info{version=\"%s\",instance=\"%s\",kernel=\"%s\"} 1\n",
		SLUICE_GIT, instance, u.release);
	for (int id = 1; id < 256; id++)
		nsw += !!s->sw_name[id][0];
	family(s, "sluice_switches", "gauge", "Switches in the instance.");
	fprintf(f, "sluice_switches %d\n", nsw);
	ports_render(s);
	fdb_render(s);
	nat_render(s);
	nat_fast_render(s);
	nat_xdp_render(s);
	nat_pub_render(s);
	events_render(s);
	free(s->ports);
	free(s);
	return 0;
}
