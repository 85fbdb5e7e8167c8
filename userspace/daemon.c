// SPDX-License-Identifier: MIT
/* `sluice daemon`: what must happen over time. Ages learned FDB entries and
 * removes ports whose device has gone. Holds no state: kill and restart freely. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "ctl.h"
#include "events.h"
#include "metrics.h"
#include "port.h"
#include "netlink.h"
#include "parse.h"

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	stopping = 1;
}

/* Ports whose device vanished (container netns deleted, device removed). */
static void ports_reap(struct ctl *c)
{
	struct sl_port p;
	uint32_t ifx, next;
	bool first = true;

	while (bpf_map_get_next_key(c->ports, first ? NULL : &ifx, &next) == 0) {
		struct nl_link_info li;

		first = false;
		ifx = next;
		if (bpf_map_lookup_elem(c->ports, &next, &p))
			continue;
		if (p.flags & SL_PORT_F_ENDPOINT ? endpoint_alive(&p) :
		    nl_link_get(next, &li) == 0 && !strcmp(li.name, p.name))
			continue;
		fprintf(stderr, "sluice daemon: port %s: device gone, removing the port\n", p.name);
		port_remove(c, &p, false);
		first = true;
	}
}

int cmd_daemon(struct ctl *c, int argc, char **argv)
{
	uint32_t ageing = 300, interval = 1;
	const char *metrics_addr = NULL;
	struct metrics *metrics = NULL;

	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--fdb-ageing") && i + 1 < argc) {
			if (parse_u32(argv[++i], 1, 1000000, &ageing))
				return err("--fdb-ageing \"%s\": expected seconds (1-1000000)", argv[i]);
		} else if (!strcmp(argv[i], "--interval") && i + 1 < argc) {
			if (parse_u32(argv[++i], 1, 3600, &interval))
				return err("--interval \"%s\": expected seconds (1-3600)", argv[i]);
		} else if (!strcmp(argv[i], "--metrics") && i + 1 < argc) {
			metrics_addr = argv[++i];
		} else {
			return err("usage: sluice daemon [--fdb-ageing SECONDS] [--interval SECONDS] "
				   "[--metrics ADDR:PORT]");
		}
	}
	if (instance_open(c, false))
		return -1;
	instance_close(c);
	/* The socket is made in the netns we are in: --netns's, the managed host's. */
	if (metrics_addr && !(metrics = metrics_start(c->instance, metrics_addr)))
		return -1;
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	fprintf(stderr, "sluice daemon: instance %s, fdb ageing %u s%s%s\n", c->instance, ageing,
		metrics ? ", metrics on http://" : "", metrics ? metrics_addr : "");
	while (!stopping) {
		/* Re-open every round: the instance may be removed and re-created. */
		if (instance_open(c, false) == 0) {
			fdb_age_sweep(c, ageing * 1000000000ULL);
			ports_reap(c);
			ev_inject_begin(c);
			nat_ct_gc(c);
			ev_inject_end();
			ev_reap_stale(c);
		}
		instance_close(c);
		for (uint32_t t = 0; t < interval * 10 && !stopping; t++)
			usleep(100 * 1000);
	}
	metrics_stop(metrics);
	return 0;
}
