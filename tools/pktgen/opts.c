/* SPDX-License-Identifier: MIT */
/* pktgen's command line: every option, its default and its range, parsed into struct options;
 * each bad value is reported once with the option that carried it. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include "opts.h"

enum { OPT_SRC_MAC = 256, OPT_DST_MAC, OPT_SRC_IP, OPT_DST_IP, OPT_SPORT, OPT_DPORT, OPT_ANY_NETNS };

static const struct option long_opts[] = {
	{ "interface",	required_argument, NULL, 'i' },
	{ "src-mac",	required_argument, NULL, OPT_SRC_MAC },
	{ "dst-mac",	required_argument, NULL, OPT_DST_MAC },
	{ "src-ip",	required_argument, NULL, OPT_SRC_IP },
	{ "dst-ip",	required_argument, NULL, OPT_DST_IP },
	{ "sport",	required_argument, NULL, OPT_SPORT },
	{ "dport",	required_argument, NULL, OPT_DPORT },
	{ "size",	required_argument, NULL, 's' },
	{ "count",	required_argument, NULL, 'n' },
	{ "batch",	required_argument, NULL, 'b' },
	{ "flows",	required_argument, NULL, 'f' },
	{ "time",	required_argument, NULL, 't' },
	{ "cpus",	required_argument, NULL, 'c' },
	{ "json",	no_argument,	   NULL, 'j' },
	{ "any-netns",	no_argument,	   NULL, OPT_ANY_NETNS },
	{ "help",	no_argument,	   NULL, 'h' },
	{}
};

void print_usage(FILE *f)
{
	fprintf(f,
		"usage: pktgen -i IFNAME [options]\n"
		"Sends UDP/IPv4 frames out of IFNAME with XDP_TX from BPF_PROG_TEST_RUN live frames.\n"
		"Run it inside a named netns (ip netns exec NS pktgen ...) on a container-side veth;\n"
		"the peer veth must have an XDP program or GRO enabled, or veth drops every frame.\n"
		"  -i, --interface IF   transmit device (required)\n"
		"      --src-mac MAC    default: IF's own MAC\n"
		"      --dst-mac MAC    default: ff:ff:ff:ff:ff:ff (pass the receiver's MAC)\n"
		"      --src-ip A       default 10.0.0.1\n"
		"      --dst-ip A       default 10.0.0.2\n"
		"      --sport P        first UDP source port, default 1024\n"
		"      --dport P        UDP destination port, default 9\n"
		"  -s, --size N         frame size with FCS, %d..%d, default 64 (sends N-4 bytes)\n"
		"  -n, --count N        total frames, default 0 = until the time limit\n"
		"  -b, --batch N        test_run batch_size, 1..%d, default 64\n"
		"  -f, --flows N        UDP source ports sport..sport+N-1, default 1\n"
		"  -t, --time S         time limit in seconds, 0 < S <= %d, default 10\n"
		"  -c, --cpus N         sender threads, one pinned per CPU, default 1\n"
		"  -j, --json           print one JSON object\n"
		"      --any-netns      allow a netns that is not named (never the host's own!)\n",
		FRAME_SIZE_MIN, FRAME_SIZE_MAX, BATCH_MAX, SECONDS_MAX);
}

static int parse_ulong(const char *opt, const char *arg, unsigned long min, unsigned long max,
		       unsigned long *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(arg, &end, 0);
	if (errno || end == arg || *end || arg[0] == '-' || v < min || v > max) {
		fprintf(stderr, "pktgen: %s %s: want an integer in %lu..%lu\n", opt, arg, min, max);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

static int parse_mac(const char *opt, const char *arg, uint8_t mac[6])
{
	char tail;

	if (sscanf(arg, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx%c", &mac[0], &mac[1], &mac[2], &mac[3],
		   &mac[4], &mac[5], &tail) != 6) {
		fprintf(stderr, "pktgen: %s %s: want a MAC address like 02:00:00:00:00:01\n", opt, arg);
		return -EINVAL;
	}
	return 0;
}

static int parse_ip(const char *opt, const char *arg, struct in_addr *ip)
{
	if (inet_pton(AF_INET, arg, ip) != 1) {
		fprintf(stderr, "pktgen: %s %s: want an IPv4 address\n", opt, arg);
		return -EINVAL;
	}
	return 0;
}

static int parse_seconds(const char *arg, double *out)
{
	char *end;
	double v = strtod(arg, &end);

	if (end == arg || *end || !(v > 0 && v <= SECONDS_MAX)) {
		fprintf(stderr, "pktgen: -t %s: want seconds in (0, %d]\n", arg, SECONDS_MAX);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

static int parse_option(struct options *o, int c, const char *arg)
{
	unsigned long v;
	int err;

	switch (c) {
	case 'i': o->ifname = arg; return 0;
	case OPT_SRC_MAC: o->src_mac_set = true; return parse_mac("--src-mac", arg, o->spec.src_mac);
	case OPT_DST_MAC: return parse_mac("--dst-mac", arg, o->spec.dst_mac);
	case OPT_SRC_IP: return parse_ip("--src-ip", arg, &o->spec.src_ip);
	case OPT_DST_IP: return parse_ip("--dst-ip", arg, &o->spec.dst_ip);
	case OPT_SPORT:
		err = parse_ulong("--sport", arg, 1, 65535, &v);
		o->spec.sport = v;
		return err;
	case OPT_DPORT:
		err = parse_ulong("--dport", arg, 1, 65535, &v);
		o->spec.dport = v;
		return err;
	case 's':
		err = parse_ulong("-s", arg, FRAME_SIZE_MIN, FRAME_SIZE_MAX, &v);
		o->spec.size = v;
		return err;
	case 'n':
		err = parse_ulong("-n", arg, 0, ULONG_MAX, &v);
		o->count = v;
		return err;
	case 'b': return parse_ulong("-b", arg, 1, BATCH_MAX, &o->batch);
	case 'f': return parse_ulong("-f", arg, 1, 65535, &o->flows);
	case 't': return parse_seconds(arg, &o->seconds);
	case 'c': return parse_ulong("-c", arg, 1, sysconf(_SC_NPROCESSORS_ONLN), &o->threads);
	case 'j': o->json = true; return 0;
	case OPT_ANY_NETNS: o->any_netns = true; return 0;
	case 'h': print_usage(stdout); exit(0);
	default: print_usage(stderr); return -EINVAL;
	}
}

int parse_options(int argc, char **argv, struct options *o)
{
	int c, err;

	*o = (struct options){ .batch = 64, .flows = 1, .threads = 1, .seconds = 10 };
	memset(o->spec.dst_mac, 0xff, 6);
	inet_pton(AF_INET, "10.0.0.1", &o->spec.src_ip);
	inet_pton(AF_INET, "10.0.0.2", &o->spec.dst_ip);
	o->spec.sport = 1024;
	o->spec.dport = 9;
	o->spec.size = 64;
	while ((c = getopt_long(argc, argv, "i:s:n:b:f:t:c:jh", long_opts, NULL)) != -1) {
		err = parse_option(o, c, optarg);
		if (err)
			return err;
	}
	if (optind < argc) {
		fprintf(stderr, "pktgen: unexpected argument '%s'\n", argv[optind]);
		return -EINVAL;
	}
	if (!o->ifname) {
		fprintf(stderr, "pktgen: -i IFNAME is required (pktgen -h for help)\n");
		return -EINVAL;
	}
	if (o->spec.sport + o->flows - 1 > 65535) {
		fprintf(stderr, "pktgen: --flows %lu from --sport %u runs past port 65535\n",
			o->flows, o->spec.sport);
		return -EINVAL;
	}
	return 0;
}
