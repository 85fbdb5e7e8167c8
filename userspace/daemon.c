// SPDX-License-Identifier: MIT
/* `sluice daemon`: what must happen over time. Ages learned FDB entries, removes ports whose
 * device has gone, re-hooks NAT uplinks that come back (woken by link events), and, as every
 * command, rolls back an interrupted `port add`. One per instance; holds no state. */
#include <errno.h>
#include <stddef.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <poll.h>
#include <sys/socket.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <sys/un.h>
#include <bpf/bpf.h>
#include "ctl.h"
#include "events.h"
#include "metrics.h"
#include "port.h"
#include "nat_frag.h"
#include "netlink.h"
#include "parse.h"

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	stopping = 1;
}

static int reap_one(struct ctl *c, const struct sl_port *p, void *arg)
{
	struct nl_link_info li;

	(void)arg;
	if (p->flags & SL_PORT_F_ENDPOINT ? endpoint_alive(c, p) :
	    nl_link_get(p->ifindex, &li) == 0 && !strcmp(li.name, p->name))
		return 0;
	fprintf(stderr, "sluice daemon: port %s: device gone, removing the port\n", p->name);
	struct sl_port gone = *p;

	port_remove(c, &gone, false);
	return 0;
}

/* Ports whose device vanished (container netns deleted, device removed). */
static void ports_reap(struct ctl *c)
{
	ports_for_each(c, reap_one, NULL);
}

/* One daemon per instance: an abstract socket named after it, in the netns it manages
 * (the instance's identity ties the two), held for the daemon's life and gone with it. */
static int daemon_claim(struct ctl *c)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int n = snprintf(a.sun_path + 1, sizeof(a.sun_path) - 1, "sluice-daemon/%s", c->instance);

	if (fd < 0)
		return errf("daemon: socket: %s", strerror(errno));
	if (bind(fd, (struct sockaddr *)&a, offsetof(struct sockaddr_un, sun_path) + 1 + n)) {
		int e = errno;

		close(fd);
		if (e == EADDRINUSE)
			return errf("a daemon already runs for instance %s (in this network "
				   "namespace): not starting a second", c->instance);
		return errf("daemon: bind: %s", strerror(e));
	}
	return fd;
}

/* Link events (RTNLGRP_LINK) wake the daemon at once: an uplink that comes back is hooked
 * before its address and routes are, not a polling interval later. */
static struct mnl_socket *links_listen(void)
{
	struct mnl_socket *nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC | SOCK_NONBLOCK);

	if (nl && mnl_socket_bind(nl, 1u << (RTNLGRP_LINK - 1), MNL_SOCKET_AUTOPID) == 0)
		return nl;
	if (nl)
		mnl_socket_close(nl);
	fprintf(stderr, "sluice daemon: no link events (%s): uplinks are followed each round\n",
		strerror(errno));
	return NULL;
}

/* Sleep up to MS milliseconds, or until fragment events (FRAG_FD) come; true when a link
 * event came (the socket is drained). */
static bool links_wait(struct mnl_socket *nl, int frag_fd, int ms)
{
	char buf[8192];
	struct pollfd pfd[2] = {
		{ .fd = nl ? mnl_socket_get_fd(nl) : -1, .events = POLLIN },
		{ .fd = frag_fd, .events = POLLIN },
	};
	bool event = false;

	if (poll(pfd, 2, ms) <= 0 || !nl || !(pfd[0].revents & POLLIN))
		return false;
	while (mnl_socket_recvfrom(nl, buf, sizeof(buf)) > 0 || errno == ENOBUFS)
		event = true;
	return event;
}

static struct timespec now_mono(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t;
}

static long ms_since(const struct timespec *t0)
{
	struct timespec t = now_mono();

	return (t.tv_sec - t0->tv_sec) * 1000L + (t.tv_nsec - t0->tv_nsec) / 1000000L;
}

int cmd_daemon(struct ctl *c, int argc, char **argv)
{
	uint32_t ageing = 300, interval = 1;
	struct mnl_socket *links;
	const char *metrics_addr = NULL;
	struct metrics *metrics = NULL;
	struct frag_holder *frags = NULL;

	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--fdb-ageing") && i + 1 < argc) {
			if (parse_u32(argv[++i], 1, 1000000, &ageing))
				return errf("--fdb-ageing \"%s\": expected seconds (1-1000000)", argv[i]);
		} else if (!strcmp(argv[i], "--interval") && i + 1 < argc) {
			if (parse_u32(argv[++i], 1, 3600, &interval))
				return errf("--interval \"%s\": expected seconds (1-3600)", argv[i]);
		} else if (!strcmp(argv[i], "--metrics") && i + 1 < argc) {
			metrics_addr = argv[++i];
		} else {
			return errf("usage: sluice daemon [--fdb-ageing SECONDS] [--interval SECONDS] "
				   "[--metrics ADDR:PORT]");
		}
	}
	if (instance_open(c, false))
		return -1;
	instance_close(c);
	/* The socket is made in the netns we are in: --netns's, the managed host's. First, so
	 * that a bad or busy address is the error even while another daemon runs. */
	if (metrics_addr && !(metrics = metrics_start(c->instance, metrics_addr)))
		return -1;
	if (daemon_claim(c) < 0) {
		metrics_stop(metrics);
		return -1;
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	fprintf(stderr, "sluice daemon: instance %s, fdb ageing %u s%s%s\n", c->instance, ageing,
		metrics ? ", metrics on http://" : "", metrics ? metrics_addr : "");
	links = links_listen();
	while (!stopping) {
		/* Re-open every round: the instance may be removed and re-created. */
		if (instance_open(c, false) == 0) {
			fdb_age_sweep(c, ageing * 1000000000ULL);
			ports_reap(c);
			ev_inject_begin(c);
			nat_ct_gc(c);
			ev_inject_end();
			ev_reap_stale(c);
			frag_holder_sync(&frags, c);
		}
		instance_close(c);
		/* Ticks of at most 100 ms: held fragments expire and the heartbeat stays fresh. */
		for (struct timespec t0 = now_mono(); !stopping && ms_since(&t0) < interval * 1000;) {
			bool link = links_wait(links, frag_holder_fd(frags), 100);

			frag_holder_run(frags);
			if (!link)
				continue;
			if (instance_open(c, false) == 0)
				nat_uplinks_follow(c);
			instance_close(c);
		}
	}
	frag_holder_close(frags);	/* stop holding now, not when the heartbeat ages */
	if (links)
		mnl_socket_close(links);
	metrics_stop(metrics);
	return 0;
}
