// SPDX-License-Identifier: MIT
/* The sluice command line: global options, the host netns, object dispatch. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "build_info.h"
#include "ctl.h"
#include "output.h"
#include "parse.h"

static const struct {
	const char *name;
	int (*run)(struct ctl *c, int argc, char **argv);
	const char *commands;	/* its command words, for "did you mean"; NULL: takes none */
} objects[] = {
	{ "switch", cmd_switch, "add del delete show" },
	{ "port", cmd_port, "add set del delete show list" },
	{ "fdb", cmd_fdb, "show add del delete flush" },
	{ "vlan", cmd_vlan, "add del delete show" },
	{ "stats", cmd_stats, NULL },
	{ "daemon", cmd_daemon, NULL },
	{ "upgrade", cmd_upgrade, NULL },
	{ "nat", cmd_nat, "add del delete show ct conntrack stats timeouts publish" },
	{ "save", cmd_save, NULL },
	{ "monitor", cmd_monitor, NULL },
};

static const char *cmd_object_name(const char *word)
{
	for (size_t o = 0; o < sizeof(objects) / sizeof(objects[0]); o++)
		if (matches(word, objects[o].name))
			return objects[o].name;
	return NULL;
}

static int cmd_dispatch(struct ctl *c, int argc, char **argv)
{
	for (size_t o = 0; o < sizeof(objects) / sizeof(objects[0]); o++)
		if (matches(argv[0], objects[o].name))
			return objects[o].run(c, argc - 1, argv + 1);
	return errf("unknown object \"%s\" (sluice --help lists them)", argv[0]);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: sluice [-V] [-j] [-p] [--instance NAME] [--netns NS] OBJECT COMMAND [ARGS]\n"
		"       sluice [--instance NAME] [--netns NS] -batch FILE|-   (commands, one a line)\n"
		"  switch add NAME [addr CIDR] | del NAME | show [NAME]\n"
		"  port   add SWITCH NAME netns NS [ifname IF] [addr CIDR] [gw IP] [mac MAC]\n"
		"             [xdp native|generic|offload|auto] [vlan VID | trunk VIDS [native VID]] [spoofchk on|off]\n"
		"         add SWITCH NAME dev [xdp native|generic|offload|auto] [vlan VID | trunk VIDS [native VID]]\n"
		"         add SWITCH NAME macvlan parent DEV netns NS [ifname IF] [addr CIDR] [gw IP] [mac MAC]\n"
		"             [vlan VID | trunk VIDS [native VID]] [spoofchk on|off]   (a container's macvlan)\n"
		"         add SWITCH NAME macvlan parent DEV [vlan VID | trunk VIDS [native VID]]\n"
		"             (a host macvlan: DEV's LAN joins the switch; \"dev\" takes an existing one)\n"
		"         add SWITCH NAME vxlan vni VNI | vlan VID vni VNI... [dstport PORT] [local IP]\n"
		"             [dev UPLINK] [remote IP]...   (an overlay port: the switch spans hosts)\n"
		"         set NAME [addr CIDR] [xdp native|generic|offload|auto|off] [vlan ...|trunk ...]\n"
		"             [spoofchk on|off]\n"
		"         set NAME remotes IP[,IP]...|none   (a VXLAN port's hosts, replaced as a whole)\n"
		"         del NAME | show [NAME]\n"
		"  IPv6:  switch add / vlan add take \"addr CIDR6\" too (beside an IPv4 one); port add takes\n"
		"         \"addr CIDR6\" (up to 8) [gw6 IP6] [trusted on|off]; port set takes [trusted on|off]\n"
		"         and [addr CIDR6 ... [gw6 IP6]] (replacing the port's IPv6 addresses)\n"
		"  fdb    show [switch SW] [port P] [vlan VID] | add SWITCH MAC port PORT [remote IP] [vlan VID]\n"
		"         del SWITCH MAC [vlan VID] | flush [switch SW] [port P] [vlan VID] [dynamic]\n"
		"  vlan   add SWITCH VID addr CIDR [name IF] | del SWITCH VID | show [SWITCH]\n"
		"  nat    add NAME src CIDR out DEV [to ADDR] [ports LO-HI] [random] [conntrack FLOWS]\n"
		"             [fastpath on|off] [xdp native|generic]\n"
		"         del NAME | show | ct show | ct flush | stats | timeouts [NAME SECONDS]...\n"
		"  stats  [PORT]\n"
		"  daemon [--fdb-ageing SECONDS] [--interval SECONDS] [--metrics ADDR:PORT]\n"
		"  upgrade   (swap this build's programs into every attached port)\n"
		"  save   [FILE]   (the configuration as commands for -batch; CNI ports left out)\n"
		"  monitor [drops] [trace] [nat] [port P] [switch S] [vlan V] [-j] [--pcap FILE]\n"
		"          [count N] [timeout SECONDS]   (live drops, decisions, connections)\n");
}

/* `sluice OBJECT help`: the usage lines of OBJECT (its block of usage()). */
static void usage_of(const char *object)
{
	char *text = NULL, *line, *save;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	bool in = false;

	if (!f)
		return;
	usage(f);
	fclose(f);
	printf("usage: sluice [-j] [-p] [--instance NAME] [--netns NS] %s ...\n", object);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char word[16] = "";

		if (sscanf(line, "  %15s", word) == 1 && line[2] != ' ')
			in = !strcmp(word, object);
		if (in)
			printf("%s\n", line);
	}
	free(text);
}

/* Levenshtein distance of two short words (typos), capped at 9. */
static int word_distance(const char *a, const char *b)
{
	int la = strlen(a), lb = strlen(b), d[17][17];

	if (la > 16 || lb > 16)
		return 9;
	for (int i = 0; i <= la; i++)
		d[i][0] = i;
	for (int j = 0; j <= lb; j++)
		d[0][j] = j;
	for (int i = 1; i <= la; i++)
		for (int j = 1; j <= lb; j++) {
			int sub = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
			int del = d[i - 1][j] + 1, ins = d[i][j - 1] + 1;

			d[i][j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
		}
	return d[la][lb];
}

/* The word of WORDS (space-separated) nearest to TYPO within 2 edits, or NULL. */
static const char *nearest(const char *typo, const char *words, char buf[16])
{
	const char *best = NULL;
	int bestd = 3;
	char copy[128], *w, *save;

	snprintf(copy, sizeof(copy), "%s", words);
	for (w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		int d = word_distance(typo, w);

		if (d < bestd) {
			bestd = d;
			snprintf(buf, 16, "%s", w);
			best = buf;
		}
	}
	return best;
}

/* A command word OBJECT does not know: say so with the nearest one, before anything runs. */
static int command_check(int o, const char *cmd)
{
	char copy[128], buf[16], *w, *save;
	const char *near;

	if (!objects[o].commands)
		return 0;
	snprintf(copy, sizeof(copy), "%s", objects[o].commands);
	for (w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save))
		if (matches(cmd, w))
			return 0;
	near = nearest(cmd, objects[o].commands, buf);
	return errf("%s: unknown command \"%s\"%s%s%s (sluice %s help lists them)", objects[o].name,
		   cmd, near ? ": did you mean \"" : "", near ? near : "", near ? "\"?" : "",
		   objects[o].name);
}

/* The object WORD names (a prefix will do), or -1 printed with the nearest name. */
static int object_find(const char *word)
{
	char names[128] = "", buf[16];
	const char *near;

	for (size_t o = 0; o < sizeof(objects) / sizeof(objects[0]); o++)
		if (matches(word, objects[o].name))
			return o;
	for (size_t o = 0; o < sizeof(objects) / sizeof(objects[0]); o++)
		snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s ",
			 objects[o].name);
	near = nearest(word, names, buf);
	return errf("unknown object \"%s\"%s%s%s (sluice --help lists them)", word,
		   near ? ": did you mean \"" : "", near ? near : "", near ? "\"?" : "");
}

static int quiet_libbpf(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return getenv("LIBBPF_LOG") ? vfprintf(stderr, fmt, ap) : 0;
}

/* -j and -p after the object words too (`switch show sw0 -j`): taken, not ignored. Removes
 * them from ARGV from FROM on; returns the new argc. */
static int output_flags_take(int argc, char **argv, int from, int *json, int *pretty)
{
	int b = from;

	for (int a = from; a < argc; a++) {
		if (!strcmp(argv[a], "-j") || !strcmp(argv[a], "-json"))
			*json = 1;
		else if (!strcmp(argv[a], "-p") || !strcmp(argv[a], "-pretty"))
			*pretty = 1;
		else
			argv[b++] = argv[a];
	}
	argv[b] = NULL;
	return b;
}

/* --netns NETNS: this process moves there for good; -1 printed. */
static int host_netns_enter(const char *netns)
{
	int fd = netns_open(netns);

	if (fd < 0 || netns_enter(fd, netns))
		return -1;
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	struct ctl c = { .instance = "default", .lock_fd = -1 };
	int json = 0, pretty = 0, i, o = -1, ret;
	const char *netns = NULL, *batch = NULL;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-j") || !strcmp(argv[i], "-json"))
			json = 1;
		else if (!strcmp(argv[i], "-p") || !strcmp(argv[i], "-pretty"))
			pretty = 1;
		else if (!strcmp(argv[i], "--instance") && i + 1 < argc)
			c.instance = argv[++i];
		else if (!strcmp(argv[i], "--netns") && i + 1 < argc)
			netns = argv[++i];
		else if (!strcmp(argv[i], "-batch") && i + 1 < argc)
			batch = argv[++i];
		else if (!strcmp(argv[i], "-V") || !strcmp(argv[i], "--version")) {
			printf("sluice %s\n", build_id());
			return 0;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else {
			errf("unknown option \"%s\" (sluice --help lists them)", argv[i]);
			return 1;
		}
	}
	if (batch && i < argc) {
		errf("-batch %s: no command after it (the file holds them)", batch);
		return 1;
	}
	if (i >= argc && !batch) {
		usage(stderr);
		return 1;
	}
	if (i < argc)
		argc = output_flags_take(argc, argv, i + 1, &json, &pretty);
	/* bpffs refuses dots in names: "rt.x" would pass here and fail with EPERM later. */
	if (!name_valid(c.instance, 64) || strchr(c.instance, '.')) {
		errf("instance name \"%s\" is invalid (1-64 of A-Z a-z 0-9 _ -; bpffs forbids "
		    "dots)", c.instance);
		return 1;
	}
	if (!batch) {
		o = object_find(argv[i]);
		if (o < 0)
			return 1;
		/* Help and typos need no privileges and change nothing. */
		if (i + 1 < argc && (!strcmp(argv[i + 1], "help") ||
				     !strcmp(argv[i + 1], "--help") || !strcmp(argv[i + 1], "-h"))) {
			usage_of(objects[o].name);
			return 0;
		}
		if (i + 1 < argc && command_check(o, argv[i + 1]))
			return 1;
	}
	if (prereq_caps())
		return 1;
	output_init(json, pretty);
	libbpf_set_print(quiet_libbpf);
	/* Every ifindex this process reads or writes belongs to the host netns. */
	c.netns_spec = netns;
	if (netns && host_netns_enter(netns))
		return 1;
	if (batch)
		return batch_run(&c, batch, &(struct batch_ops){ cmd_dispatch, cmd_object_name }) ? 1 : 0;
	ret = objects[o].run(&c, argc - i - 1, argv + i + 1);
	instance_close(&c);
	return ret ? 1 : 0;
}
