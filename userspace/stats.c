// SPDX-License-Identifier: MIT
/* `sluice stats`: per-port counters summed over CPUs, drops by reason. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "ctl.h"
#include "output.h"
#include "port.h"

static const char *const drop_names[SL_DROP_MAX] = SL_DROP_NAMES;

int stats_read(struct ctl *c, uint32_t slot, struct sl_port_stats *sum)
{
	int ncpu = libbpf_num_possible_cpus();
	struct sl_port_stats *per = calloc(ncpu, sizeof(*per));

	memset(sum, 0, sizeof(*sum));
	if (!per)
		return -ENOMEM;
	if (bpf_map_lookup_elem(c->stats, &slot, per)) {
		free(per);
		return -ENOENT;
	}
	for (int i = 0; i < ncpu; i++) {
		sum->rx_packets += per[i].rx_packets;
		sum->rx_bytes += per[i].rx_bytes;
		sum->tx_packets += per[i].tx_packets;
		sum->tx_bytes += per[i].tx_bytes;
		sum->learned += per[i].learned;
		sum->learn_failed += per[i].learn_failed;
		sum->flooded += per[i].flooded;
		sum->xdp_pass += per[i].xdp_pass;
		for (int d = 0; d < SL_DROP_MAX; d++)
			sum->drops[d] += per[i].drops[d];
	}
	free(per);
	return 0;
}

static json_object *stats_json(const char *name, const struct sl_port_stats *s)
{
	json_object *o = json_object_new_object(), *d = json_object_new_object();

	jadd_str(o, "port", name);
	jadd_int(o, "rx_packets", s->rx_packets);
	jadd_int(o, "rx_bytes", s->rx_bytes);
	jadd_int(o, "tx_packets", s->tx_packets);
	jadd_int(o, "tx_bytes", s->tx_bytes);
	jadd_int(o, "learned", s->learned);
	jadd_int(o, "learn_failed", s->learn_failed);
	jadd_int(o, "flooded", s->flooded);
	jadd_int(o, "xdp_pass", s->xdp_pass);
	for (int i = 0; i < SL_DROP_MAX; i++)
		jadd_int(d, drop_names[i], s->drops[i]);
	json_object_object_add(o, "drops", d);
	return o;
}

/* A port with an offloaded filter: what the device counted, read through its map. */
static json_object *stats_add_offload(struct ctl *c, uint32_t ifindex, json_object *o)
{
	json_object *off, *d;
	struct sl_port_stats s;

	if (offload_stats(c, ifindex, &s))
		return o;
	off = json_object_new_object();
	d = json_object_new_object();
	jadd_int(off, "rx_packets", s.rx_packets);
	jadd_int(off, "rx_bytes", s.rx_bytes);
	for (int i = 0; i < SL_DROP_MAX; i++)
		jadd_int(d, drop_names[i], s.drops[i]);
	json_object_object_add(off, "drops", d);
	json_object_object_add(o, "offload", off);
	return o;
}

struct show_q {
	const char *only;
	json_object *arr;
};

static int stats_port_add(struct ctl *c, const struct sl_port *p, void *arg)
{
	struct show_q *q = arg;
	struct sl_port_stats s;

	if ((!q->only || !strcmp(p->name, q->only)) && !stats_read(c, p->slot, &s))
		json_object_array_add(q->arr, stats_add_offload(c, p->ifindex,
								stats_json(p->name, &s)));
	return 0;
}

int cmd_stats(struct ctl *c, int argc, char **argv)
{
	json_object *arr;
	struct sl_port_stats s;
	struct sl_port p;
	uint32_t unknown = 0;
	const char *only = argc > 0 ? argv[0] : NULL;

	int q;

	if (argc > 1)
		return errf("usage: sluice stats [PORT]");
	q = instance_open_read(c);
	if (q < 0 || (q && only))
		return q < 0 ? -1 : errf("port %s does not exist", only);
	if (q) {
		output_print(json_object_new_array());
		return 0;
	}
	if (only && port_get_by_name(c, only, &p))
		return errf("port %s does not exist", only);
	arr = json_object_new_array();
	ports_for_each(c, stats_port_add, &(struct show_q){ only, arr });
	/* Frames seen where a program outlived its port. */
	if (!only && !stats_read(c, unknown, &s) && s.rx_packets)
		json_object_array_add(arr, stats_json("(none)", &s));
	output_print(arr);
	return 0;
}
