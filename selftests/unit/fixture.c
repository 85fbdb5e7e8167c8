// SPDX-License-Identifier: MIT
/* Owns the unit tests' switch: skeleton loading with shared unpinned maps, the veth
 * topology of the private netns, map programming, bpf_prog_test_run and counters. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "netlink.h"
#include "switch_tc.skel.h"
#include "switch_xdp.skel.h"
#include "fixture.h"

static int topo_ifindex[FX_PORTS];

/* Veth pairs utN <-> utNp, both ends up so that clones sent to utN are transmitted. */
static void topo_create(void)
{
	char name[IF_NAMESIZE], peer[IF_NAMESIZE];
	int ifx[FX_PORTS];

	for (int n = 0; n < FX_PORTS; n++) {
		int peer_ifx;

		snprintf(name, sizeof(name), "ut%d", n);
		snprintf(peer, sizeof(peer), "ut%dp", n);
		ifx[n] = nl_veth_add(name, peer, -1);
		peer_ifx = nl_link_index(peer);
		if (ifx[n] < 0 || peer_ifx < 0 || nl_link_set_up(ifx[n], true) ||
		    nl_link_set_up(peer_ifx, true))
			runner_fail(__FILE__, __LINE__, "cannot create veth %s", name);
	}
	memcpy(topo_ifindex, ifx, sizeof(ifx));	/* all or nothing */
}

int sw_ifindex(int n)
{
	if (n < 0 || n >= FX_PORTS)
		runner_fail(__FILE__, __LINE__, "no port %d", n);
	if (!topo_ifindex[0])
		topo_create();
	return topo_ifindex[n];
}

__u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);	/* bpf_ktime_get_ns()'s clock */
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

__u64 coarse_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);	/* bpf_ktime_get_coarse_ns()'s clock */
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void sw_close(void *arg)
{
	struct sw *sw = arg;

	switch_xdp__destroy(sw->xdp);
	switch_tc__destroy(sw->tc);
	free(sw);
}

static void stats_zero(struct sw *sw, __u32 key)
{
	int ncpu = libbpf_num_possible_cpus();
	struct sl_port_stats *zero = calloc(ncpu, sizeof(*zero));
	int ret = zero ? bpf_map_update_elem(sw->stats, &key, zero, BPF_ANY) : -ENOMEM;

	free(zero);
	if (ret)
		runner_fail(__FILE__, __LINE__, "sl_stats[%u]: %s", key, strerror(errno));
}

/* The tc object creates the maps unpinned; the XDP object takes the same maps by fd. */
struct sw *sw_open(void)
{
	struct sw *sw = calloc(1, sizeof(*sw));
	struct bpf_map *m;

	if (!sw)
		runner_fail(__FILE__, __LINE__, "out of memory");
	runner_defer(sw_close, sw);
	sw->tc = switch_tc__open();
	if (!sw->tc)
		runner_fail(__FILE__, __LINE__, "switch_tc__open: %s", strerror(errno));
	bpf_object__for_each_map(m, sw->tc->obj)
		bpf_map__set_pin_path(m, NULL);
	if (switch_tc__load(sw->tc))
		runner_fail(__FILE__, __LINE__, "switch_tc__load: %s (-v for the log)",
			    strerror(errno));
	sw->xdp = switch_xdp__open();
	if (!sw->xdp)
		runner_fail(__FILE__, __LINE__, "switch_xdp__open: %s", strerror(errno));
	bpf_object__for_each_map(m, sw->xdp->obj) {
		struct bpf_map *tm = bpf_object__find_map_by_name(sw->tc->obj, bpf_map__name(m));

		if (bpf_map__set_pin_path(m, NULL))
			runner_fail(__FILE__, __LINE__, "unpin map %s", bpf_map__name(m));
		if (!tm && !strcmp(bpf_map__name(m), "sl_gw_xdp_prog"))
			continue;	/* the XDP program's own: its NAT slot */
		if (!tm || bpf_map__reuse_fd(m, bpf_map__fd(tm)))
			runner_fail(__FILE__, __LINE__, "share map %s", bpf_map__name(m));
	}
	if (switch_xdp__load(sw->xdp))
		runner_fail(__FILE__, __LINE__, "switch_xdp__load: %s (-v for the log)",
			    strerror(errno));
	sw->ports = bpf_map__fd(sw->tc->maps.sl_ports);
	sw->fdb = bpf_map__fd(sw->tc->maps.sl_fdb);
	sw->flood = bpf_map__fd(sw->tc->maps.sl_flood);
	sw->stats = bpf_map__fd(sw->tc->maps.sl_stats);
	sw->tx = bpf_map__fd(sw->tc->maps.sl_tx);
	sw->slots = bpf_map__fd(sw->tc->maps.sl_port_slots);
	sw->idx = bpf_map__fd(sw->tc->maps.sl_port_idx);
	stats_zero(sw, 0);	/* frames of devices that are not ports */
	return sw;
}

static bool port_in_vlan(const struct sl_port *p, __u16 vid)
{
	return p->pvid == vid ||
	       (p->mode == SL_MODE_TRUNK && (p->vids[vid / 64] >> (vid % 64) & 1));
}

/* Untagged members first, then tagged ones, as the controller writes them. */
static void flood_update(struct sw *sw, __u32 switch_id, __u16 vid)
{
	struct sl_flood_key k = { .switch_id = switch_id, .vid = vid };
	struct sl_flood fl = {};

	for (int tagged = 0; tagged < 2; tagged++) {
		if (tagged)
			fl.tagged_from = fl.count;
		for (int n = 0; n < FX_PORTS; n++) {
			const struct sl_port *p = &sw->port[n];

			if (p->switch_id == switch_id && port_in_vlan(p, vid) &&
			    (p->pvid != vid) == tagged)
				fl.ifindex[fl.count++] = p->ifindex;
		}
	}
	if (bpf_map_update_elem(sw->flood, &k, &fl, BPF_ANY))
		runner_fail(__FILE__, __LINE__, "sl_flood: %s", strerror(errno));
}

void sw_port(struct sw *sw, int n, const struct port_opts *o)
{
	__u32 ifx = sw_ifindex(n);	/* checks N */
	struct sl_port *p = &sw->port[n];

	*p = (struct sl_port){
		.ifindex = ifx,
		.switch_id = o->switch_id ? o->switch_id : 1,
		.pvid = o->pvid,
		.mode = o->mode,
		.hook = SL_HOOK_XDP_GENERIC,
		.flags = o->flags | (o->tc_only ? 0 : SL_PORT_F_XDP_TX),
		.ip = o->ip,
		.slot = o->slot ? o->slot : (__u32)n + 1,	/* slot 0: frames of devices that are no port */
	};
	if (o->mac)
		memcpy(p->mac, o->mac, sizeof(p->mac));
	snprintf(p->name, sizeof(p->name), "ut%d", n);
	for (int i = 0; i < 8 && o->vids[i]; i++)
		p->vids[o->vids[i] / 64] |= 1ULL << (o->vids[i] % 64);
	/* As port_put: sl_ports and its ARRAY copies (slot, then the ifindex's index). */
	if (bpf_map_update_elem(sw->ports, &ifx, p, BPF_ANY) ||
	    bpf_map_update_elem(sw->slots, &p->slot, p, BPF_ANY) ||
	    bpf_map_update_elem(sw->idx, &ifx, &p->slot, BPF_ANY) ||
	    (o->tc_only ? bpf_map_delete_elem(sw->tx, &ifx) && errno != ENOENT :
			  bpf_map_update_elem(sw->tx, &ifx, &ifx, BPF_ANY)))
		runner_fail(__FILE__, __LINE__, "install port %d: %s", n, strerror(errno));
	stats_zero(sw, p->slot);
	if (p->pvid)
		flood_update(sw, p->switch_id, p->pvid);
	for (int i = 0; i < 8 && o->vids[i]; i++)
		flood_update(sw, p->switch_id, o->vids[i]);
}

void sw_port_erase(struct sw *sw, int n)
{
	__u32 ifx = sw_ifindex(n), none = 0;
	struct sl_port *p = &sw->port[n], zero = {};

	if (bpf_map_update_elem(sw->idx, &ifx, &none, BPF_ANY) ||
	    bpf_map_update_elem(sw->slots, &p->slot, &zero, BPF_ANY) ||
	    bpf_map_delete_elem(sw->ports, &ifx) ||
	    (bpf_map_delete_elem(sw->tx, &ifx) && errno != ENOENT))
		runner_fail(__FILE__, __LINE__, "erase port %d: %s", n, strerror(errno));
	*p = zero;
}

void sw_fdb_gen_bump(struct sw *sw)
{
	int fd = bpf_map__fd(sw->tc->maps.sl_fdb_gen);
	__u32 zero = 0, gen;

	if (bpf_map_lookup_elem(fd, &zero, &gen) || (gen++, bpf_map_update_elem(fd, &zero, &gen, 0)))
		runner_fail(__FILE__, __LINE__, "sl_fdb_gen: %s", strerror(errno));
}

void sw_fdb_write(struct sw *sw, __u32 switch_id, __u16 vid, const __u8 *mac,
		  const struct sl_fdb_entry *e)
{
	struct sl_fdb_key k = { .switch_id = switch_id, .vid = vid };

	memcpy(k.mac, mac, sizeof(k.mac));
	if (bpf_map_update_elem(sw->fdb, &k, e, BPF_ANY))
		runner_fail(__FILE__, __LINE__, "sl_fdb: %s", strerror(errno));
}

void sw_fdb_put(struct sw *sw, __u32 switch_id, __u16 vid, const __u8 *mac,
		const struct sl_fdb_entry *e)
{
	sw_fdb_write(sw, switch_id, vid, mac, e);
	sw_fdb_gen_bump(sw);
}

void sw_fdb_del(struct sw *sw, __u32 switch_id, __u16 vid, const __u8 *mac)
{
	struct sl_fdb_key k = { .switch_id = switch_id, .vid = vid };

	memcpy(k.mac, mac, sizeof(k.mac));
	if (bpf_map_delete_elem(sw->fdb, &k))
		runner_fail(__FILE__, __LINE__, "sl_fdb delete: %s", strerror(errno));
	sw_fdb_gen_bump(sw);
}

void sw_fdb_add(struct sw *sw, __u32 switch_id, __u16 vid, const __u8 *mac, int n)
{
	struct sl_fdb_entry e = { .ifindex = sw_ifindex(n), .flags = SL_FDB_F_SLOT(sw->port[n].slot),
				  .last_seen = now_ns() };

	sw_fdb_put(sw, switch_id, vid, mac, &e);
}

bool sw_fdb_get(struct sw *sw, __u32 switch_id, __u16 vid, const __u8 *mac,
		struct sl_fdb_entry *e)
{
	struct sl_fdb_key k = { .switch_id = switch_id, .vid = vid };

	memcpy(k.mac, mac, sizeof(k.mac));
	return bpf_map_lookup_elem(sw->fdb, &k, e) == 0;
}

struct sl_port_stats sw_stats(struct sw *sw, int n)
{
	struct sl_port_stats sum;
	__u32 key = n < 0 ? 0 : (sw_ifindex(n), (__u32)n + 1);	/* checks N */

	if (n >= 0 && sw->port[n].slot)
		key = sw->port[n].slot;	/* installed in another slot */

	if (percpu_sum(sw->stats, key, &sum, sizeof(sum)))
		runner_fail(__FILE__, __LINE__, "sl_stats[%u]: %s", key, strerror(errno));
	return sum;
}

static struct run run_prog(struct bpf_program *prog, const struct pkt *p, void *ctx,
			   size_t ctx_size)
{
	struct run r = {};
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = p->data, .data_size_in = p->len,
		    .data_out = r.out, .data_size_out = sizeof(r.out),
		    .ctx_in = ctx, .ctx_size_in = ctx_size);

	if (bpf_prog_test_run_opts(bpf_program__fd(prog), &opts))
		runner_fail(__FILE__, __LINE__, "test_run %s on a %zu-byte frame: %s",
			    bpf_program__name(prog), p->len, strerror(errno));
	r.ret = opts.retval;
	r.len = opts.data_size_out;
	return r;
}

struct run run_skb(struct bpf_program *prog, int ifindex, const struct pkt *p)
{
	struct __sk_buff ctx = { .ifindex = ifindex };

	return run_prog(prog, p, &ctx, sizeof(ctx));
}

struct run run_xdp_prog(struct bpf_program *prog, int ifindex, const struct pkt *p)
{
	struct xdp_md ctx = { .data_end = p->len, .ingress_ifindex = ifindex };

	return run_prog(prog, p, &ctx, sizeof(ctx));
}

/* test_run takes the ingress device from the context: a port of this netns. */
struct run sw_run_tc(struct sw *sw, int n, const struct pkt *p)
{
	struct __sk_buff ctx = { .ifindex = sw_ifindex(n) };

	return run_prog(sw->tc->progs.sl_tc_ingress, p, &ctx, sizeof(ctx));
}

struct run sw_run_xdp(struct sw *sw, int n, const struct pkt *p)
{
	return sw_run_xdp_len(sw, n, p, p->len);
}

/* test_run refuses input under ETH_HLEN, but an XDP context's data_end sets the
 * linear length (recent kernels): the rest becomes a fragment the program ignores. */
struct run sw_run_xdp_len(struct sw *sw, int n, const struct pkt *p, size_t len)
{
	struct xdp_md ctx = { .data_end = len, .ingress_ifindex = sw_ifindex(n) };

	return run_prog(sw->xdp->progs.sl_xdp_ingress, p, &ctx, sizeof(ctx));
}

void drops_check(const __u64 *drops, const char *const names[], int max, int why, __u64 count,
		 const char *who, const char *file, int line)
{
	char got[256] = "";
	size_t off = 0;
	bool ok = true;

	for (int d = 0; d < max; d++) {
		if (drops[d] != (d == why ? count : 0))
			ok = false;
		if (drops[d] && off < sizeof(got))
			off += snprintf(got + off, sizeof(got) - off, " %s=%llu", names[d],
					(unsigned long long)drops[d]);
	}
	if (ok)
		return;
	if (why == max)
		runner_fail(file, line, "%s drops: expected none, got%s", who, got);
	runner_fail(file, line, "%s drops: expected only %s=%llu, got%s", who, names[why],
		    (unsigned long long)count, off ? got : " none");
}

void sw_check_drops(struct sw *sw, int n, enum sl_drop why, __u64 count,
		    const char *file, int line)
{
	static const char *const names[] = SL_DROP_NAMES;
	struct sl_port_stats s = sw_stats(sw, n);
	char who[32];

	snprintf(who, sizeof(who), "port %d", n);
	drops_check(s.drops, names, SL_DROP_MAX, why, count, who, file, line);
}
