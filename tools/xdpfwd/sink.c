/* SPDX-License-Identifier: MIT */
/* `xdpfwd sink IF -t SECONDS`: attaches the counting XDP_DROP program to IF, samples the
 * per-CPU counters every tick, then prints frames and the rate while the traffic flowed. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <json-c/json.h>
#include "attach.h"
#include "cmd.h"
#include "xdpfwd.skel.h"

#define TICK_S	0.01	/* sampling period: bounds the error of the active window */

struct sink_sample {
	__u64 frames;
	__u64 bytes;
	double at;
};

/* Totals over the run and over the active window, which spans the ticks that carried at
 * least 1/ACTIVE_SHARE of the busiest tick: stray frames (IPv6 ND, MLD) before or after a
 * burst neither stretch the window nor dilute the rate. */
#define ACTIVE_SHARE	100

struct sink_total {
	struct sink_sample all;		/* all.at = seconds attached */
	struct sink_sample start, end;	/* active window, equal when no frame came */
};

/* Values are struct sink_count { __u64 frames, bytes; } per possible CPU. */
static int read_counts(struct xdpfwd *skel, struct sink_sample *s)
{
	int ncpus = libbpf_num_possible_cpus();
	__u64 *vals;
	__u32 key = 0;
	int err = 0;

	if (ncpus < 0)
		return ncpus;
	vals = calloc(ncpus, 2 * sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	if (bpf_map_lookup_elem(bpf_map__fd(skel->maps.sink_counts), &key, vals)) {
		err = -errno;
		fprintf(stderr, "xdpfwd: reading the sink counters: %s\n", strerror(errno));
	}
	*s = (struct sink_sample){ .at = now_s() };
	for (int i = 0; i < ncpus; i++) {
		s->frames += vals[2 * i];
		s->bytes += vals[2 * i + 1];
	}
	free(vals);
	return err;
}

static void find_active(const struct sink_sample *s, size_t n, struct sink_total *t)
{
	__u64 peak = 0, floor;
	size_t first = 0, last = 0;

	for (size_t i = 1; i < n; i++)
		if (s[i].frames - s[i - 1].frames > peak)
			peak = s[i].frames - s[i - 1].frames;
	floor = peak / ACTIVE_SHARE ? peak / ACTIVE_SHARE : 1;
	for (size_t i = 1; i < n; i++) {
		if (s[i].frames - s[i - 1].frames < floor)
			continue;
		if (!first)
			first = i;
		last = i;
	}
	t->start = first ? s[first - 1] : s[0];
	t->end = first ? s[last] : s[0];
}

static int sample_until(struct xdpfwd *skel, double seconds, struct sink_total *t)
{
	size_t cap = seconds / TICK_S + 2, n = 0;
	struct sink_sample *s = calloc(cap, sizeof(*s));
	double t0 = now_s(), deadline = t0 + seconds;
	bool stop = false;
	int err;

	if (!s)
		return -ENOMEM;
	err = read_counts(skel, &s[n++]);
	while (!err && !stop && n < cap) {
		stop = wait_for_signal(TICK_S) || now_s() >= deadline;
		err = read_counts(skel, &s[n++]);
	}
	find_active(s, n, t);
	t->all = s[n - 1];
	t->all.at -= t0;
	free(s);
	return err;
}

static void print_total(const char *ifname, const struct sink_total *t, bool json)
{
	double active = t->end.at - t->start.at;
	double pps = active > 0 ? (t->end.frames - t->start.frames) / active : 0;
	struct json_object *j;

	if (!json) {
		printf("xdpfwd: sink %s: %llu frames, %llu bytes in %.3f s; %.0f pps over the %.3f s "
		       "with traffic\n", ifname, (unsigned long long)t->all.frames,
		       (unsigned long long)t->all.bytes, t->all.at, pps, active);
		return;
	}
	json_c_set_serialization_double_format("%.3f", JSON_C_OPTION_GLOBAL);
	j = json_object_new_object();
	json_object_object_add(j, "interface", json_object_new_string(ifname));
	json_object_object_add(j, "frames", json_object_new_int64(t->all.frames));
	json_object_object_add(j, "bytes", json_object_new_int64(t->all.bytes));
	json_object_object_add(j, "seconds", json_object_new_double(t->all.at));
	json_object_object_add(j, "active_seconds", json_object_new_double(active));
	json_object_object_add(j, "pps", json_object_new_double(pps));
	printf("%s\n", json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN));
	json_object_put(j);
}

int cmd_sink(int argc, char **argv)
{
	struct common_opts o;
	const char *name;
	struct sink_total t = {};
	struct xdpfwd *skel = NULL;
	int ifindex, link = -1, err;

	err = parse_command(argc, argv, &o, &name, 1);
	if (err)
		return err;
	ifindex = find_ifindex(name);
	if (ifindex < 0)
		return ifindex;
	skel = xdpfwd__open();
	if (!skel) {
		fprintf(stderr, "xdpfwd: opening xdpfwd.bpf.o: %s\n", strerror(errno));
		return -errno;
	}
	bpf_program__set_autoload(skel->progs.xdpfwd_redirect, false);
	err = xdpfwd__load(skel);
	if (err) {
		fprintf(stderr, "xdpfwd: loading xdpfwd.bpf.o: %s\n", strerror(-err));
		goto out;
	}
	link = attach_xdp(bpf_program__fd(skel->progs.xdpfwd_sink), ifindex, name, o.generic);
	if (link < 0) {
		err = link;
		goto out;
	}
	err = sample_until(skel, o.seconds, &t);
	if (!err)
		print_total(name, &t, o.json);
out:
	if (link >= 0)
		close(link);
	xdpfwd__destroy(skel);
	return err;
}
