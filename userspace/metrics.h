/* SPDX-License-Identifier: MIT */
/* The daemon's Prometheus endpoint: /metrics over libmicrohttpd, rendered from the
 * instance's pinned maps on every scrape. */
#ifndef SLUICE_METRICS_H
#define SLUICE_METRICS_H

#include <stdio.h>

struct metrics;

/* Listen on ADDR:PORT (IPv4) in the current netns and serve INSTANCE's metrics; NULL
 * (printed) when the address is bad or taken. */
struct metrics *metrics_start(const char *instance, const char *addr_port);
void metrics_stop(struct metrics *m);
/* metrics_render.c: the exposition text for INSTANCE into F; 0, or -1 if it has no pins. */
int metrics_render(const char *instance, FILE *f);

#endif
