/* SPDX-License-Identifier: MIT */
/* pktgen's command line: the parsed options with their defaults and limits. */
#ifndef PKTGEN_OPTS_H
#define PKTGEN_OPTS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "frame.h"

#define BATCH_MAX	256	/* TEST_XDP_MAX_BATCH in the kernel */
#define SECONDS_MAX	3600

struct options {
	const char *ifname;
	struct frame_spec spec;
	bool src_mac_set;	/* else the device's own MAC */
	uint64_t count;		/* 0 = until the time limit */
	unsigned long batch, flows, threads;
	double seconds;
	bool json;
	bool any_netns;
};

void print_usage(FILE *f);

/* Fills *o with defaults overridden by argv; prints the first bad option and returns < 0. */
int parse_options(int argc, char **argv, struct options *o);

#endif
