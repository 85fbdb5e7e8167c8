/* SPDX-License-Identifier: MIT */
/* xdpfwd's commands and what they share: options common to both and the wait for a signal. */
#ifndef XDPFWD_CMD_H
#define XDPFWD_CMD_H

#include <stdbool.h>

#define SECONDS_MAX	3600

struct common_opts {
	bool generic;		/* XDP_FLAGS_SKB_MODE instead of native */
	bool json;
	bool any_netns;		/* skip the named-netns check */
	double seconds;		/* sink only */
};

/* Parses argv (argv[0] = command name) into *o and the positional names; < 0 after printing. */
int parse_command(int argc, char **argv, struct common_opts *o, const char **names, int n_names);

/* Blocks until SIGINT/SIGTERM (returns true) or until seconds pass (seconds <= 0: no limit). */
bool wait_for_signal(double seconds);

/* CLOCK_MONOTONIC in seconds. */
double now_s(void);

int cmd_redirect(int argc, char **argv);
int cmd_sink(int argc, char **argv);
int cmd_tcredirect(int argc, char **argv);
int cmd_tcmac(int argc, char **argv);

#endif
