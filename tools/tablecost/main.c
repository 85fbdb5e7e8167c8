/* SPDX-License-Identifier: MIT */
/* tablecost: what a lookup costs as a table fills, and what an entry weighs. Takes the shape
 * of a pinned map (or one given), fills private copies to each size, times random lookups. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include <json-c/json.h>
#include <linux/bpf.h>
#include "table.h"

#define FILLS_MAX 8

struct options {
	const char *map;
	struct shape shape;
	uint32_t fills[FILLS_MAX];
	int nfills;
	uint32_t lookups;
	int runs;
	bool json;
};

static void print_usage(FILE *f)
{
	fprintf(f,
		"usage: tablecost (--map PINNED | --key-size K --value-size V [--lru]) [--fill N,N,..]\n"
		"                 [--lookups N] [--runs N] [-j]\n"
		"Fills a private table of the pinned map's type and key/value sizes (never the map\n"
		"itself) with each N synthetic keys (default 1000,100000,1000000), sized for the\n"
		"largest N plus 10%%, and times lookups of random filled keys (and of one hot key)\n"
		"with BPF_PROG_TEST_RUN. Prints ns per lookup per run and bytes per entry.\n");
}

static int parse_u32(const char *opt, const char *arg, uint32_t min, uint32_t max, uint32_t *out)
{
	char *end;
	unsigned long v = strtoul(arg, &end, 10);

	if (end == arg || *end || v < min || v > max) {
		fprintf(stderr, "tablecost: %s %s: want a number in %u..%u\n", opt, arg, min, max);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

static int parse_fills(const char *arg, struct options *o)
{
	char *copy = strdup(arg), *save = NULL, *tok;
	int err = 0;

	o->nfills = 0;
	for (tok = strtok_r(copy, ",", &save); tok && !err; tok = strtok_r(NULL, ",", &save)) {
		if (o->nfills == FILLS_MAX) {
			fprintf(stderr, "tablecost: --fill: at most %d sizes\n", FILLS_MAX);
			err = -EINVAL;
		} else {
			err = parse_u32("--fill", tok, 1, 16000000, &o->fills[o->nfills++]);
		}
	}
	free(copy);
	return err;
}

static int parse_options(int argc, char **argv, struct options *o)
{
	static const struct option long_opts[] = {
		{ "map", required_argument, NULL, 'm' },
		{ "key-size", required_argument, NULL, 'k' },
		{ "value-size", required_argument, NULL, 'v' },
		{ "lru", no_argument, NULL, 'l' },
		{ "fill", required_argument, NULL, 'f' },
		{ "lookups", required_argument, NULL, 'n' },
		{ "runs", required_argument, NULL, 'r' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	uint32_t runs = 3;
	int c, err = 0;

	*o = (struct options){ .shape = { .type = BPF_MAP_TYPE_HASH }, .lookups = 1000000,
			       .fills = { 1000, 100000, 1000000 }, .nfills = 3 };
	while (!err && (c = getopt_long(argc, argv, "jh", long_opts, NULL)) != -1) {
		switch (c) {
		case 'm': o->map = optarg; break;
		case 'k': err = parse_u32("--key-size", optarg, 1, KEY_MAX, &o->shape.key_size); break;
		case 'v': err = parse_u32("--value-size", optarg, 1, 65536, &o->shape.value_size); break;
		case 'l': o->shape.type = BPF_MAP_TYPE_LRU_HASH; break;
		case 'f': err = parse_fills(optarg, o); break;
		case 'n': err = parse_u32("--lookups", optarg, 1, 100000000, &o->lookups); break;
		case 'r': err = parse_u32("--runs", optarg, 1, 20, &runs); break;
		case 'j': o->json = true; break;
		case 'h': print_usage(stdout); exit(0);
		default: return -EINVAL;
		}
	}
	o->runs = runs;
	if (!err && optind < argc) {
		fprintf(stderr, "tablecost: unexpected argument \"%s\"\n", argv[optind]);
		err = -EINVAL;
	}
	if (!err && !o->map && (!o->shape.key_size || !o->shape.value_size)) {
		fprintf(stderr, "tablecost: give --map PINNED, or --key-size and --value-size\n");
		err = -EINVAL;
	}
	return err;
}

static bool is_hash(uint32_t type)
{
	return type == BPF_MAP_TYPE_HASH || type == BPF_MAP_TYPE_LRU_HASH;
}

/* One fill level: a table of MAX entries holding N keys, timed RUNS times each way. */
static int measure_fill(const struct options *o, uint32_t max, uint32_t n, json_object *rows)
{
	json_object *row = json_object_new_object(), *spread = json_object_new_array(),
		    *hot = json_object_new_array();
	double hits = 0, hot_hits = 0;
	int fd, err = 0;

	fd = table_create_filled(&o->shape, max, n);
	if (fd < 0) {
		json_object_put(row);
		json_object_put(spread);
		json_object_put(hot);
		return fd;
	}
	for (int r = 0; r < o->runs && !err; r++) {
		double ns = 0, hot_ns = 0;

		err = table_time_lookups(fd, &o->shape, n, o->lookups, true, &ns, &hits) ?:
		      table_time_lookups(fd, &o->shape, n, o->lookups, false, &hot_ns, &hot_hits);
		json_object_array_add(spread, json_object_new_double(ns));
		json_object_array_add(hot, json_object_new_double(hot_ns));
		if (!o->json)
			printf("tablecost: %u entries, run %d: %.1f ns per random lookup, %.1f ns "
			       "per hot lookup\n", n, r + 1, ns, hot_ns);
	}
	json_object_object_add(row, "entries", json_object_new_int64(n));
	json_object_object_add(row, "lookup_ns", spread);
	json_object_object_add(row, "hot_lookup_ns", hot);
	/* Evidence that every probed key was there: the figures are of hits, not misses. */
	json_object_object_add(row, "hit_ratio", json_object_new_double(hits));
	json_object_object_add(row, "memlock", json_object_new_int64(table_memlock(fd)));
	json_object_array_add(rows, row);
	close(fd);
	return err;
}

int main(int argc, char **argv)
{
	struct options o;
	json_object *out, *rows;
	uint32_t max = 0, pinned_max = 0;
	uint64_t pinned_memlock = 0;
	int err = 0;

	if (parse_options(argc, argv, &o))
		return 2;
	if (o.map && shape_of_pinned(o.map, &o.shape, &pinned_max, &pinned_memlock))
		return 1;
	if (!is_hash(o.shape.type)) {
		fprintf(stderr, "tablecost: map type %u: only hash and LRU hash tables\n", o.shape.type);
		return 1;
	}
	if (o.shape.key_size > KEY_MAX) {
		fprintf(stderr, "tablecost: key size %u: at most %d\n", o.shape.key_size, KEY_MAX);
		return 1;
	}
	for (int i = 0; i < o.nfills; i++)
		max = o.fills[i] > max ? o.fills[i] : max;
	max += max / 10;	/* an LRU evicts before it is quite full */
	libbpf_set_print(NULL);
	out = json_object_new_object();
	rows = json_object_new_array();
	json_object_object_add(out, "type", json_object_new_string(
		o.shape.type == BPF_MAP_TYPE_LRU_HASH ? "lru_hash" : "hash"));
	json_object_object_add(out, "key_size", json_object_new_int(o.shape.key_size));
	json_object_object_add(out, "value_size", json_object_new_int(o.shape.value_size));
	json_object_object_add(out, "max_entries", json_object_new_int64(max));
	if (o.map) {
		json_object_object_add(out, "pinned_max_entries", json_object_new_int64(pinned_max));
		json_object_object_add(out, "pinned_memlock", json_object_new_int64(pinned_memlock));
	}
	for (int i = 0; i < o.nfills && !err; i++)
		err = measure_fill(&o, max, o.fills[i], rows);
	json_object_object_add(out, "fills", rows);
	if (!err && o.json)
		printf("%s\n", json_object_to_json_string_ext(out, JSON_C_TO_STRING_PLAIN));
	json_object_put(out);
	return err ? 1 : 0;
}
