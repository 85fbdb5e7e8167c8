/* SPDX-License-Identifier: MIT */
/* tablecost's tables: a private copy of a map's shape, filled with N synthetic keys, and the
 * probe that times lookups in it. */
#ifndef TABLECOST_TABLE_H
#define TABLECOST_TABLE_H

#include <stdbool.h>
#include <stdint.h>

#define KEY_MAX 64

struct shape {
	uint32_t type, key_size, value_size, flags;
};

/* The shape of the map pinned at PATH, with its max_entries and memlock bytes. */
int shape_of_pinned(const char *path, struct shape *s, uint32_t *max_entries, uint64_t *memlock);

/* A new map of shape S holding keys 0..n-1 (values zero); returns its fd. */
int table_create_filled(const struct shape *s, uint32_t max_entries, uint32_t n);

/* Bytes the kernel charges for the map FD (fdinfo memlock). */
uint64_t table_memlock(int fd);

/* Mean ns of one lookup over LOOKUPS lookups: random keys among the N filled, or one key;
 * and the share of them that found their key. */
int table_time_lookups(int fd, const struct shape *s, uint32_t n, uint32_t lookups, bool random,
		       double *ns, double *hit_ratio);

#endif
