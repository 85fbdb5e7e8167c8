// SPDX-License-Identifier: MIT
/* The sluice command line: global options, the host netns, object dispatch. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "ctl.h"
#include "output.h"
#include "parse.h"

static const struct {
	const char *name;
	int (*run)(struct ctl *c, int argc, char **argv);
} objects[] = {
	{ "switch", cmd_switch },
	{ "port", cmd_port },
	{ "fdb", cmd_fdb },
	{ "stats", cmd_stats },
	{ "daemon", cmd_daemon },
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: sluice [-j] [-p] [--instance NAME] [--netns NS] OBJECT COMMAND [ARGS]\n"
		"  switch add NAME [addr CIDR] | del NAME | show [NAME]\n"
		"  port   add SWITCH NAME netns NS [ifname IF] [addr CIDR] [gw IP] [mac MAC]\n"
		"             [xdp native|generic] [vlan VID | trunk VIDS [native VID]] [spoofchk on|off]\n"
		"         add SWITCH NAME dev [xdp native|generic] [vlan VID | trunk VIDS [native VID]]\n"
		"         set NAME [xdp native|generic|off] [vlan ...|trunk ...] [spoofchk on|off]\n"
		"         del NAME | show [NAME]\n"
		"  fdb    show [switch SW] [port P] [vlan VID] | add SWITCH MAC port PORT [vlan VID]\n"
		"         del SWITCH MAC [vlan VID] | flush [switch SW] [port P] [vlan VID] [dynamic]\n"
		"  stats  [PORT]\n"
		"  daemon [--fdb-ageing SECONDS] [--interval SECONDS]\n");
}

static int quiet_libbpf(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return getenv("LIBBPF_LOG") ? vfprintf(stderr, fmt, ap) : 0;
}

int main(int argc, char **argv)
{
	struct ctl c = { .instance = "default", .lock_fd = -1 };
	int json = 0, pretty = 0, i, ret;
	const char *netns = NULL;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-j") || !strcmp(argv[i], "-json"))
			json = 1;
		else if (!strcmp(argv[i], "-p") || !strcmp(argv[i], "-pretty"))
			pretty = 1;
		else if (!strcmp(argv[i], "--instance") && i + 1 < argc)
			c.instance = argv[++i];
		else if (!strcmp(argv[i], "--netns") && i + 1 < argc)
			netns = argv[++i];
		else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else {
			err("unknown option \"%s\"", argv[i]);
			usage(stderr);
			return 1;
		}
	}
	if (i >= argc) {
		usage(stderr);
		return 1;
	}
	if (!name_valid(c.instance, 64)) {
		err("instance name \"%s\" is invalid", c.instance);
		return 1;
	}
	if (geteuid() != 0) {
		err("needs root (CAP_BPF, CAP_NET_ADMIN and CAP_SYS_ADMIN for bpffs and setns)");
		return 1;
	}
	output_init(json, pretty);
	libbpf_set_print(quiet_libbpf);
	/* Every ifindex this process reads or writes belongs to the host netns. */
	if (netns) {
		int fd = netns_open(netns);

		if (fd < 0 || netns_enter(fd, netns))
			return 1;
		close(fd);
	}
	for (size_t o = 0; o < sizeof(objects) / sizeof(objects[0]); o++) {
		if (matches(argv[i], objects[o].name)) {
			ret = objects[o].run(&c, argc - i - 1, argv + i + 1);
			instance_close(&c);
			return ret ? 1 : 0;
		}
	}
	err("unknown object \"%s\"", argv[i]);
	usage(stderr);
	return 1;
}
