/* SPDX-License-Identifier: MIT */
/* xdpfwd: the XDP forwarding ceiling and a counting sink for benchmarks. Dispatches
 * `xdpfwd COMMAND ...`, parses the options both commands share and waits for signals. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "attach.h"
#include "cmd.h"
#include "netns_guard.h"

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
} commands[] = {
	{ "redirect", cmd_redirect },
	{ "sink", cmd_sink },
	{ "tcredirect", cmd_tcredirect },
	{ "tcmac", cmd_tcmac },
};

static void print_usage(FILE *f)
{
	fprintf(f,
		"usage: xdpfwd redirect IN OUT [--generic] [--any-netns]\n"
		"       xdpfwd sink IF [-t SECONDS] [--generic] [-j] [--any-netns]\n"
		"       xdpfwd tcredirect IN OUT [--any-netns]\n"
		"       xdpfwd tcmac IN OUT NEXTHOP_MAC [--any-netns]\n"
		"redirect: every frame arriving on IN leaves by OUT (DEVMAP), until SIGINT/SIGTERM.\n"
		"tcredirect: every frame at IN's tc ingress goes into OUT's veth peer\n"
		"          (bpf_redirect_peer): the tc ceiling, until SIGINT/SIGTERM.\n"
		"tcmac:    every frame at IN's tc ingress gets NEXTHOP_MAC and OUT's MAC and\n"
		"          leaves by OUT (bpf_redirect): the NAT ceiling, until SIGINT/SIGTERM.\n"
		"sink:     count and drop every frame arriving on IF for SECONDS (default 10),\n"
		"          then print frames and pps and detach.\n"
		"Runs only inside a named netns (ip netns exec NS xdpfwd ...) unless --any-netns.\n"
		"A veth delivers XDP-redirected frames only if its peer has XDP or GRO enabled.\n");
}

static int parse_seconds(const char *arg, double *out)
{
	char *end;
	double v = strtod(arg, &end);

	if (end == arg || *end || !(v > 0 && v <= SECONDS_MAX)) {
		fprintf(stderr, "xdpfwd: -t %s: want seconds in (0, %d]\n", arg, SECONDS_MAX);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

int parse_command(int argc, char **argv, struct common_opts *o, const char **names, int n_names)
{
	static const struct option long_opts[] = {
		{ "generic",	no_argument,	   NULL, 'g' },
		{ "json",	no_argument,	   NULL, 'j' },
		{ "time",	required_argument, NULL, 't' },
		{ "any-netns",	no_argument,	   NULL, 'A' },
		{}
	};
	int c;

	*o = (struct common_opts){ .seconds = 10 };
	optind = 1;
	while ((c = getopt_long(argc, argv, "jt:", long_opts, NULL)) != -1) {
		if (c == 'g')
			o->generic = true;
		else if (c == 'j')
			o->json = true;
		else if (c == 'A')
			o->any_netns = true;
		else if (c != 't' || parse_seconds(optarg, &o->seconds))
			return -EINVAL;
	}
	if (argc - optind != n_names) {
		fprintf(stderr, "xdpfwd %s: want %d interface name%s, got %d\n", argv[0], n_names,
			n_names > 1 ? "s" : "", argc - optind);
		return -EINVAL;
	}
	for (int i = 0; i < n_names; i++)
		names[i] = argv[optind + i];
	if (!o->any_netns && netns_check_named()) {
		fprintf(stderr, "xdpfwd: not in a named netns: run it with `ip netns exec NS` "
			"(or pass --any-netns, never in the host's own netns)\n");
		return -EPERM;
	}
	return 0;
}

/* Blocked from the start so that a signal during load waits for wait_for_signal(). */
static void block_signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);
}

double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

bool wait_for_signal(double seconds)
{
	double deadline = now_s() + seconds, left;
	struct timespec ts;
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	for (;;) {
		left = deadline - now_s();
		if (seconds > 0 && left <= 0)
			return false;
		ts.tv_sec = (time_t)left;
		ts.tv_nsec = (long)((left - ts.tv_sec) * 1e9);
		if (seconds > 0 ? sigtimedwait(&set, NULL, &ts) >= 0 : sigwaitinfo(&set, NULL) >= 0)
			return true;
		if (errno == EAGAIN)	/* timed out */
			return false;
	}
}

int main(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		print_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	block_signals();
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1) ? 1 : 0;
	fprintf(stderr, "xdpfwd: unknown command '%s' (want redirect, tcredirect, tcmac or sink)\n", argv[1]);
	return 2;
}
