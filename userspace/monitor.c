// SPDX-License-Identifier: MIT
/* `sluice monitor`: switch the datapath's events on, read them from the ring buffer, print
 * each as a line (or JSON) and optionally into a pcap file; events off again on exit. */
#include <errno.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "ctl.h"
#include "events.h"
#include "output.h"
#include "parse.h"
#include "pcap.h"

#define MONITOR_USAGE "usage: sluice monitor [drops] [trace] [nat] [port P] [switch S] [vlan V] " \
		      "[-j] [--pcap FILE] [count N] [timeout SECONDS]"

struct monitor {
	uint32_t mask;
	uint32_t port_key;	/* 0: any */
	uint32_t switch_id;	/* 0: any */
	uint16_t vid;		/* 0: any */
	int json;
	const char *pcap_path;
	FILE *pcap;
	uint64_t count;		/* stop after this many events shown; 0: never */
	uint32_t timeout;	/* seconds; 0: never */
	uint64_t shown;
	bool discard;		/* draining what an earlier reader left */
	int64_t realtime_off;
	int ports, switches;	/* map fds for names */
	struct ev_names names;
};

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	stopping = 1;
}

static const char *port_name(void *ctx, uint32_t key, char buf[32])
{
	struct monitor *m = ctx;
	struct sl_port p;
	char ifn[IF_NAMESIZE];

	if (bpf_map_lookup_elem(m->ports, &key, &p) == 0) {
		snprintf(buf, 32, "%.*s", SL_NAME_LEN, p.name);
		return buf;
	}
	if (!(key & SL_EP_KEY_BIT) && if_indextoname(key, ifn)) {	/* an uplink */
		snprintf(buf, 32, "%s", ifn);
		return buf;
	}
	snprintf(buf, 32, "if%u", key);
	return buf;
}

static const char *switch_name(void *ctx, uint32_t id, char buf[32])
{
	struct monitor *m = ctx;
	char key[SL_NAME_LEN], next[SL_NAME_LEN];
	struct sl_switch sw;
	bool first = true;

	while (bpf_map_get_next_key(m->switches, first ? NULL : key, next) == 0) {
		first = false;
		memcpy(key, next, sizeof(key));
		if (bpf_map_lookup_elem(m->switches, next, &sw) == 0 && sw.id == id) {
			snprintf(buf, 32, "%.*s", SL_NAME_LEN, next);
			return buf;
		}
	}
	snprintf(buf, 32, "%u", id);
	return buf;
}

static bool event_wanted(const struct monitor *m, const struct sl_event *e)
{
	if (!(m->mask & (1u << e->type)))
		return false;
	if (m->port_key && e->ifindex != m->port_key &&
	    !(e->type == SL_EV_TRACE && e->aux == m->port_key &&
	      (e->code == SL_EV_TR_UNICAST || ev_is_fastpath(e))))
		return false;
	if (m->switch_id && e->switch_id != m->switch_id)
		return false;
	return !m->vid || e->vid == m->vid;
}

static int on_event(void *ctx, void *data, size_t size)
{
	struct monitor *m = ctx;
	const struct sl_event *e = data;
	uint8_t frame[SL_EV_SNAP + 4];
	uint32_t flen;
	size_t fl;
	char line[512];

	if (size < sizeof(*e) || m->discard || (m->count && m->shown >= m->count) ||
	    !event_wanted(m, e))
		return 0;
	if (m->json) {
		json_object *o = ev_format_json(e, &m->names, m->realtime_off);

		printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
		json_object_put(o);
	} else {
		ev_format_text(e, &m->names, m->realtime_off, line, sizeof(line));
		printf("%s\n", line);
	}
	fflush(stdout);
	fl = ev_frame(e, frame, &flen);
	if (m->pcap && fl && pcap_write(m->pcap, (int64_t)e->ts + m->realtime_off, frame, fl, flen))
		fprintf(stderr, "sluice monitor: write %s: %s\n", m->pcap_path, strerror(EIO));
	if (m->count && ++m->shown >= m->count)
		stopping = 1;
	return 0;
}

static int64_t realtime_offset(void)
{
	struct timespec rt, mono;

	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_MONOTONIC, &mono);
	return (rt.tv_sec - mono.tv_sec) * 1000000000LL + (rt.tv_nsec - mono.tv_nsec);
}

static int parse_args(struct ctl *c, struct monitor *m, int argc, char **argv)
{
	const char *port = NULL, *sw = NULL;

	for (int i = 0; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		uint32_t n;

		if (!strcmp(argv[i], "drops"))
			m->mask |= 1u << SL_EV_DROP;
		else if (!strcmp(argv[i], "trace"))
			m->mask |= 1u << SL_EV_TRACE;
		else if (!strcmp(argv[i], "nat"))
			m->mask |= 1u << SL_EV_NAT;
		else if (!strcmp(argv[i], "-j"))
			m->json = 1;
		else if (strcmp(argv[i], "port") && strcmp(argv[i], "switch") &&
			 strcmp(argv[i], "vlan") && strcmp(argv[i], "--pcap") &&
			 strcmp(argv[i], "count") && strcmp(argv[i], "timeout"))
			return errf("monitor: unknown argument \"%s\" (" MONITOR_USAGE ")", argv[i]);
		else if (!v)
			return errf("monitor: \"%s\" needs a value (" MONITOR_USAGE ")", argv[i]);
		else if (!strcmp(argv[i], "port"))
			port = argv[++i];
		else if (!strcmp(argv[i], "switch"))
			sw = argv[++i];
		else if (!strcmp(argv[i], "vlan")) {
			if (parse_vid(v, &m->vid))
				return errf("monitor: vlan \"%s\": expected a VLAN id (1-4094)", v);
			i++;
		} else if (!strcmp(argv[i], "--pcap")) {
			m->pcap_path = argv[++i];
		} else if (!strcmp(argv[i], "count")) {
			if (parse_u32(v, 1, UINT32_MAX, &n))
				return errf("monitor: count \"%s\": expected a number of events (1-)", v);
			m->count = n;
			i++;
		} else if (!strcmp(argv[i], "timeout")) {
			if (parse_u32(v, 1, 86400, &m->timeout))
				return errf("monitor: timeout \"%s\": expected seconds (1-86400)", v);
			i++;
		}
	}
	m->mask |= 1u << SL_EV_DROP;	/* drops always; trace and nat add to them */
	if (port) {
		struct sl_port p;
		unsigned idx;

		if (port_get_by_name(c, port, &p) == 0)
			m->port_key = p.flags & SL_PORT_F_ENDPOINT ? SL_EP_KEY(p.slot) : p.ifindex;
		else if ((idx = if_nametoindex(port)))
			m->port_key = idx;	/* an uplink */
		else
			return errf("monitor: port %s: no such port or device", port);
	}
	if (sw) {
		struct sl_switch s;

		if (switch_get(c, sw, &s))
			return errf("monitor: switch %s does not exist", sw);
		m->switch_id = s.id;
	}
	return 0;
}

/* Open what the monitor reads; the instance lock is released before it starts. */
static int monitor_open(struct ctl *c, struct monitor *m, struct ev_maps *ev, int argc, char **argv)
{
	char path[PATH_MAX];

	if (instance_open(c, false))
		return -1;
	if (parse_args(c, m, argc, argv))
		return -1;
	if (ev_open(c->root, ev))
		return errf("instance %s has no event ring: its programs predate `sluice monitor` "
			   "(run `sluice upgrade`)", c->instance);
	snprintf(path, sizeof(path), "%s/sl_ports", c->root);
	m->ports = bpf_obj_get(path);
	snprintf(path, sizeof(path), "%s/sl_switches", c->root);
	m->switches = bpf_obj_get(path);
	if (m->ports < 0 || m->switches < 0)
		return errf("maps under %s: %s", c->root, strerror(errno));
	for (int i = 0; i < 20; i++) {	/* the daemon probes the lock now and then */
		int ret = ev_lock(c->root, ev);

		if (ret != -EBUSY)
			return ret ? errf("lock %s: %s", c->root, strerror(-ret)) : 0;
		usleep(50 * 1000);
	}
	return errf("another sluice monitor is reading instance %s's events", c->instance);
}

static int monitor_run(struct monitor *m, struct ev_maps *ev, const char *instance)
{
	struct ring_buffer *rb = ring_buffer__new(ev->ring, on_event, m, NULL);
	uint64_t lost0 = ev_lost(ev), deadline = 0;
	int ret = 0;

	if (!rb)
		return errf("ring buffer: %s", strerror(errno));
	m->discard = true;
	ring_buffer__consume(rb);	/* what a monitor before us left unread */
	m->discard = false;
	if ((ret = ev_mask_set(ev, m->mask))) {
		ring_buffer__free(rb);
		return errf("switch events on: %s", strerror(-ret));
	}
	fprintf(stderr, "sluice monitor: listening on instance %s (drops%s%s)\n", instance,
		m->mask & (1u << SL_EV_TRACE) ? ", trace" : "",
		m->mask & (1u << SL_EV_NAT) ? ", nat" : "");
	if (m->timeout)
		deadline = time(NULL) + m->timeout;
	while (!stopping && (!deadline || (uint64_t)time(NULL) < deadline)) {
		ret = ring_buffer__poll(rb, 100);
		if (ret < 0 && ret != -EINTR) {
			errf("ring buffer: %s", strerror(-ret));
			break;
		}
		ret = 0;
	}
	ev_mask_set(ev, 0);
	ring_buffer__consume(rb);	/* what came before the switch went off */
	ring_buffer__free(rb);
	if (ev_lost(ev) > lost0)
		fprintf(stderr, "sluice monitor: %llu events lost (the ring was full)\n",
			(unsigned long long)(ev_lost(ev) - lost0));
	return ret < 0 ? -1 : 0;
}

int cmd_monitor(struct ctl *c, int argc, char **argv)
{
	struct monitor m = { .json = output_is_json(), .ports = -1, .switches = -1 };
	struct ev_maps ev = { .ring = -1, .cfg = -1, .lost = -1, .lock_fd = -1 };
	struct sigaction sa = { .sa_handler = on_signal };
	int ret = -1;

	if (monitor_open(c, &m, &ev, argc, argv))
		goto out;
	instance_close(c);	/* other commands go on while we listen */
	if (m.pcap_path && !(m.pcap = pcap_create(m.pcap_path, SL_EV_SNAP + 4))) {
		errf("monitor: --pcap %s: %s", m.pcap_path, strerror(errno));
		goto out;
	}
	m.realtime_off = realtime_offset();
	m.names = (struct ev_names){ .port = port_name, .sw = switch_name, .ctx = &m };
	sigaction(SIGINT, &sa, NULL);	/* no SA_RESTART: the poll returns */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	ret = monitor_run(&m, &ev, c->instance);
out:
	if (m.pcap)
		fclose(m.pcap);
	if (m.ports >= 0)
		close(m.ports);
	if (m.switches >= 0)
		close(m.switches);
	ev_close(&ev);
	return ret;
}
