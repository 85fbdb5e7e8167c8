/* SPDX-License-Identifier: MIT */
/* tablecost's tables: copies a pinned map's shape into a private map (the live one is never
 * touched), fills it with synthetic keys in batches, and runs the probe on it with test_run. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "table.h"
#include "tablecost.skel.h"

#define FILL_BATCH 4096
#define PER_RUN 50000

/* Same as key_word() in tablecost.bpf.c: keys here and there must be the same bytes. */
static uint64_t key_word(uint64_t i)
{
	uint64_t z = i + 1 + 0x9e3779b97f4a7c15ULL;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

int shape_of_pinned(const char *path, struct shape *s, uint32_t *max_entries, uint64_t *memlock)
{
	struct bpf_map_info info = {};
	uint32_t len = sizeof(info);
	int fd = bpf_obj_get(path);

	if (fd < 0) {
		fprintf(stderr, "tablecost: --map %s: %s\n", path, strerror(errno));
		return -errno;
	}
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		fprintf(stderr, "tablecost: --map %s: not a map: %s\n", path, strerror(errno));
		close(fd);
		return -EINVAL;
	}
	*s = (struct shape){ info.type, info.key_size, info.value_size, info.map_flags };
	*max_entries = info.max_entries;
	*memlock = table_memlock(fd);
	close(fd);
	return 0;
}

int table_create_filled(const struct shape *s, uint32_t max_entries, uint32_t n)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = s->flags);
	LIBBPF_OPTS(bpf_map_batch_opts, bopts);
	uint8_t *keys = calloc(FILL_BATCH, s->key_size);
	uint8_t *vals = calloc(FILL_BATCH, s->value_size);
	int fd = -ENOMEM;

	if (!keys || !vals)
		goto out;
	fd = bpf_map_create(s->type, "tablecost", s->key_size, s->value_size, max_entries, &opts);
	if (fd < 0) {
		fd = -errno;
		fprintf(stderr, "tablecost: creating a %u-entry table: %s\n", max_entries,
			strerror(errno));
		goto out;
	}
	for (uint32_t done = 0; done < n;) {
		uint32_t count = n - done < FILL_BATCH ? n - done : FILL_BATCH;

		for (uint32_t i = 0; i < count; i++) {
			uint64_t w = key_word(done + i);

			memcpy(keys + (size_t)i * s->key_size, &w, sizeof(w));
		}
		if (bpf_map_update_batch(fd, keys, vals, &count, &bopts)) {
			fprintf(stderr, "tablecost: filling entry %u of %u: %s\n", done, n,
				strerror(errno));
			close(fd);
			fd = -errno;
			goto out;
		}
		done += count;
	}
out:
	free(keys);
	free(vals);
	return fd;
}

uint64_t table_memlock(int fd)
{
	char path[64], line[256];
	unsigned long long v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "memlock: %llu", &v) == 1)
			break;
	if (f)
		fclose(f);
	return v;
}

int table_time_lookups(int fd, const struct shape *s, uint32_t n, uint32_t lookups, bool random,
		       double *ns, double *hit_ratio)
{
	uint8_t frame[64] = {};
	/* Calls of PER_RUN lookups (a few ms with preemption off), repeated to reach LOOKUPS. */
	uint32_t per_run = lookups < PER_RUN ? lookups : PER_RUN;
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .data_size_in = sizeof(frame),
		    .repeat = (lookups + per_run - 1) / per_run);
	struct tablecost *skel = tablecost__open();
	int err;

	if (!skel)
		return -errno;
	skel->rodata->key_size = s->key_size;
	err = bpf_map__reuse_fd(skel->maps.table, fd);
	if (!err)
		err = tablecost__load(skel);
	if (err) {
		fprintf(stderr, "tablecost: loading the probe: %s\n", strerror(-err));
		goto out;
	}
	skel->bss->filled = n;
	skel->bss->lookups = per_run;
	skel->bss->spread = random;
	skel->bss->hits = 0;
	if (bpf_prog_test_run_opts(bpf_program__fd(skel->progs.tablecost_probe), &opts)) {
		err = -errno;
		fprintf(stderr, "tablecost: test_run: %s\n", strerror(errno));
		goto out;
	}
	*ns = (double)opts.duration / per_run;	/* duration: mean ns of one repeat */
	*hit_ratio = (double)skel->bss->hits / ((double)per_run * opts.repeat);
out:
	tablecost__destroy(skel);
	return err;
}
