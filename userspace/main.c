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
	{ "vlan", cmd_vlan },
	{ "stats", cmd_stats },
	{ "daemon", cmd_daemon },
	{ "upgrade", cmd_upgrade },
	{ "nat", cmd_nat },
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: sluice [-j] [-p] [--instance NAME] [--netns NS] OBJECT COMMAND [ARGS]\n"
		"  switch add NAME [addr CIDR] | del NAME | show [NAME]\n"
		"  port   add SWITCH NAME netns NS [ifname IF] [addr CIDR] [gw IP] [mac MAC]\n"
		"             [xdp native|generic|offload|auto] [vlan VID | trunk VIDS [native VID]] [spoofchk on|off]\n"
		"         add SWITCH NAME dev [xdp native|generic|offload|auto] [vlan VID | trunk VIDS [native VID]]\n"
		"         add SWITCH NAME macvlan parent DEV netns NS [ifname IF] [addr CIDR] [gw IP] [mac MAC]\n"
		"             [vlan VID | trunk VIDS [native VID]] [spoofchk on|off]   (a container's macvlan)\n"
		"         add SWITCH NAME macvlan parent DEV [vlan VID | trunk VIDS [native VID]]\n"
		"             (a host macvlan: DEV's LAN joins the switch; \"dev\" takes an existing one)\n"
		"         set NAME [xdp native|generic|offload|auto|off] [vlan ...|trunk ...] [spoofchk on|off]\n"
		"         del NAME | show [NAME]\n"
		"  IPv6:  switch add / vlan add take \"addr CIDR6\" too (beside an IPv4 one); port add takes\n"
		"         \"addr CIDR6\" (up to 8) [gw6 IP6] [trusted on|off]; port set takes [trusted on|off]\n"
		"         and [addr CIDR6 ... [gw6 IP6]] (replacing the port's IPv6 addresses)\n"
		"  fdb    show [switch SW] [port P] [vlan VID] | add SWITCH MAC port PORT [vlan VID]\n"
		"         del SWITCH MAC [vlan VID] | flush [switch SW] [port P] [vlan VID] [dynamic]\n"
		"  vlan   add SWITCH VID addr CIDR [name IF] | del SWITCH VID | show [SWITCH]\n"
		"  nat    add NAME src CIDR out DEV [to ADDR] [ports LO-HI] [random] [conntrack FLOWS]\n"
		"         del NAME | show | ct show | ct flush | stats | timeouts [NAME SECONDS]...\n"
		"  stats  [PORT]\n"
		"  daemon [--fdb-ageing SECONDS] [--interval SECONDS]\n"
		"  upgrade   (swap this build's programs into every attached port)\n");
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
			err("unknown option \"%s\" (sluice --help lists them)", argv[i]);
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
	if (prereq_caps())
		return 1;
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
	err("unknown object \"%s\" (sluice --help lists them)", argv[i]);
	return 1;
}
