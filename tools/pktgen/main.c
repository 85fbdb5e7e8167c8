/* SPDX-License-Identifier: MIT */
/* pktgen: benchmark traffic generator. Builds the frame template, loads pktgen.bpf.c through
 * its skeleton, runs the senders and reports frames sent and rate as text or one JSON object. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <json-c/json.h>
#include "frame.h"
#include "link.h"
#include "netns_guard.h"
#include "opts.h"
#include "run.h"
#include "pktgen.skel.h"

struct result {
	uint64_t frames;	/* frames the program returned XDP_TX for */
	double elapsed;
	struct link_counters before, after;
};

static int load_program(struct pktgen **skel, const struct options *o, const uint8_t *frame)
{
	int err;

	*skel = pktgen__open();
	if (!*skel) {
		fprintf(stderr, "pktgen: opening pktgen.bpf.o: %s\n", strerror(errno));
		return -errno;
	}
	(*skel)->rodata->flows = o->flows;
	(*skel)->rodata->sport_base = o->spec.sport;
	(*skel)->rodata->udp_check_base = frame_udp_check(frame);
	memcpy((*skel)->bss->tmpl_hdr, frame, sizeof((*skel)->bss->tmpl_hdr));
	err = pktgen__load(*skel);
	if (err)
		fprintf(stderr, "pktgen: loading pktgen.bpf.o: %s\n", strerror(-err));
	return err;
}

/* Sum of the per-CPU frame counters. */
static int count_frames(struct pktgen *skel, uint64_t *frames)
{
	int ncpus = libbpf_num_possible_cpus();
	uint64_t *vals;
	uint32_t key = 0;
	int err = 0;

	if (ncpus < 0)
		return ncpus;
	vals = calloc(ncpus, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	if (bpf_map_lookup_elem(bpf_map__fd(skel->maps.frames), &key, vals)) {
		err = -errno;
		fprintf(stderr, "pktgen: reading the frames counter: %s\n", strerror(errno));
	}
	*frames = 0;
	for (int i = 0; i < ncpus; i++)
		*frames += vals[i];
	free(vals);
	return err;
}

static void print_text(const struct options *o, const struct result *r)
{
	double pps = r->frames / r->elapsed;

	printf("pktgen: %s: %llu frames in %.3f s = %.0f pps (%.1f Mbit/s at %u B), %lu flows, "
	       "%lu threads, batch %lu\n", o->ifname, (unsigned long long)r->frames, r->elapsed,
	       pps, pps * o->spec.size * 8 / 1e6, o->spec.size, o->flows, o->threads, o->batch);
	printf("pktgen: %s: device tx_packets +%llu, tx_dropped +%llu\n", o->ifname,
	       (unsigned long long)(r->after.tx_packets - r->before.tx_packets),
	       (unsigned long long)(r->after.tx_dropped - r->before.tx_dropped));
}

static void print_json(const struct options *o, const struct result *r)
{
	struct json_object *j = json_object_new_object();
	double pps = r->frames / r->elapsed;

	json_c_set_serialization_double_format("%.3f", JSON_C_OPTION_GLOBAL);
	json_object_object_add(j, "interface", json_object_new_string(o->ifname));
	json_object_object_add(j, "size", json_object_new_int(o->spec.size));
	json_object_object_add(j, "flows", json_object_new_int64(o->flows));
	json_object_object_add(j, "threads", json_object_new_int64(o->threads));
	json_object_object_add(j, "batch", json_object_new_int64(o->batch));
	json_object_object_add(j, "frames", json_object_new_int64(r->frames));
	json_object_object_add(j, "seconds", json_object_new_double(r->elapsed));
	json_object_object_add(j, "pps", json_object_new_double(pps));
	json_object_object_add(j, "mbps", json_object_new_double(pps * o->spec.size * 8 / 1e6));
	json_object_object_add(j, "dev_tx_packets",
			       json_object_new_int64(r->after.tx_packets - r->before.tx_packets));
	json_object_object_add(j, "dev_tx_dropped",
			       json_object_new_int64(r->after.tx_dropped - r->before.tx_dropped));
	printf("%s\n", json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN));
	json_object_put(j);
}

/* veth counts neither as tx nor as dropped the XDP frames it discards for want of a NAPI
 * instance on the peer: the only trace is a tx count far below what was generated. */
static void warn_lost_frames(const struct options *o, const struct result *r)
{
	uint64_t seen = r->after.tx_packets - r->before.tx_packets +
			r->after.tx_dropped - r->before.tx_dropped;

	if (seen < r->frames / 2)
		fprintf(stderr, "pktgen: %s: only %llu of %llu frames reached its veth peer: attach "
			"XDP to the peer or enable GRO on it (ethtool -K PEER gro on)\n", o->ifname,
			(unsigned long long)seen, (unsigned long long)r->frames);
}

static int send_traffic(const struct options *o, int ifindex, struct result *r)
{
	uint8_t frame[FRAME_SIZE_MAX];
	struct pktgen *skel = NULL;
	struct run_cfg cfg = {
		.ifindex = ifindex, .frame = frame, .batch = o->batch, .count = o->count,
		.seconds = o->seconds, .threads = o->threads,
	};
	int err;

	cfg.frame_len = frame_build(&o->spec, frame);
	err = load_program(&skel, o, frame);
	if (err)
		goto out;
	cfg.prog_fd = bpf_program__fd(skel->progs.pktgen_xdp);
	err = link_get_counters(ifindex, &r->before);
	if (err)
		goto out;
	err = run_senders(&cfg, &r->elapsed);
	if (!err)
		err = link_get_counters(ifindex, &r->after);
	if (!err)
		err = count_frames(skel, &r->frames);
out:
	pktgen__destroy(skel);
	return err;
}

int main(int argc, char **argv)
{
	struct options o;
	struct result r = {};
	int ifindex, err;

	if (parse_options(argc, argv, &o))
		return 2;
	if (!o.any_netns && netns_check_named()) {
		fprintf(stderr, "pktgen: not in a named netns: run it with `ip netns exec NS` "
			"(or pass --any-netns, never in the host's own netns)\n");
		return 1;
	}
	ifindex = if_nametoindex(o.ifname);
	if (!ifindex) {
		fprintf(stderr, "pktgen: -i %s: no such interface in this netns\n", o.ifname);
		return 1;
	}
	err = o.src_mac_set ? 0 : link_get_mac(o.ifname, o.spec.src_mac);
	if (err) {
		fprintf(stderr, "pktgen: -i %s: cannot read its MAC: %s\n", o.ifname, strerror(-err));
		return 1;
	}
	err = send_traffic(&o, ifindex, &r);
	if (err)
		return 1;
	warn_lost_frames(&o, &r);
	if (o.json)
		print_json(&o, &r);
	else
		print_text(&o, &r);
	return 0;
}
