// SPDX-License-Identifier: MIT
/* The NAT's pinned maps as the commands and the daemon use them: opened together with the
 * rule slots read, the config, writing a rule slot, and flushing connections. */
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
#include "nat_maps.h"
#include "output.h"
#include "parse.h"

void nat_close(struct nat *n)
{
	for (int i = 0; i < NAT_MAPS; i++) {
		if (n->fd[i] >= 0)
			close(n->fd[i]);
		n->fd[i] = -1;
	}
}

/* Open the pinned NAT maps of an open instance and read the rules. */
int nat_maps_open(struct ctl *c, struct nat *n)
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

int cfg_get(struct nat *n, struct sl_nat_cfg *cfg)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(n->fd[NAT_CFG], &zero, cfg) ? errf("read map sl_nat_cfg: %s",
								     strerror(errno)) : 0;
}

int cfg_put(struct nat *n, const struct sl_nat_cfg *cfg)
{
	__u32 zero = 0;

	return bpf_map_update_elem(n->fd[NAT_CFG], &zero, cfg, BPF_ANY) ?
	       errf("write map sl_nat_cfg: %s", strerror(errno)) : 0;
}

/* Write slot S; the datapath scans slots up to the last used one. Enlarge before
 * filling a slot, shrink after clearing one, so no used slot is ever beyond the scan. */
int rule_put(struct nat *n, __u32 s, const struct sl_nat_rule *r)
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

static int plen_of(__be32 mask)
{
	return __builtin_popcount(mask);
}

void format_cidr(__be32 addr, __be32 mask, char buf[24])
{
	char a[16];

	format_ipv4(addr, a);
	snprintf(buf, 24, "%s/%d", a, plen_of(mask));
}

uint32_t ct_flows(struct nat *n)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(n->fd[NAT_CT], &info, &len))
		return 0;
	return info.max_entries / 2;
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

/* Delete the connections that used external address ADDR (ADDR 0: all) or RULE (-1: any),
 * and their mappings. Returns the number of connections removed. */
long nat_flush(struct nat *n, __be32 addr, int rule)
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

int nat_open_existing(struct ctl *c, struct nat *n)
{
	if (instance_open(c, false))
		return -1;
	if (!nat_loaded(c))
		return errf("instance %s has no NAT rules", c->instance);
	return nat_maps_open(c, n);
}

/* For queries: 1 (nothing printed) when there is no instance or no NAT, 0 and N open, -1. */
int nat_open_query(struct ctl *c, struct nat *n)
{
	int q = instance_open_query(c);

	if (q)
		return q;
	if (!nat_loaded(c))
		return 1;
	return nat_maps_open(c, n) ? -1 : 0;
}
