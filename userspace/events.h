/* SPDX-License-Identifier: MIT */
/* The instance's event ring and its switch (sl_ev_cfg), as `sluice monitor`, the daemon and
 * the metrics see them; and the decoder that turns an event into text or JSON. */
#ifndef SLUICE_EVENTS_H
#define SLUICE_EVENTS_H

#include <stdbool.h>
#include <stdint.h>
#include <json-c/json.h>
#include "ctl.h"
#include "sluice_event.h"

struct ev_maps {
	int ring, cfg, lost;	/* map fds, -1 when absent */
	int lock_fd;		/* the consumer's lock (on the cfg pin), -1 if not held */
};

/* Open the pinned event maps of the instance at ROOT; 0, or -ENOENT when the instance's
 * programs predate events (printed). */
int ev_open(const char *root, struct ev_maps *m);
void ev_close(struct ev_maps *m);
/* Become the instance's one consumer: 0, or -EBUSY when another monitor runs. */
int ev_lock(const char *root, struct ev_maps *m);
/* True when a consumer holds the lock (probed without taking it for long). */
bool ev_consumer_alive(const char *root);
int ev_mask_set(struct ev_maps *m, uint32_t mask);
uint32_t ev_mask_get(struct ev_maps *m);
uint64_t ev_lost(struct ev_maps *m);
/* Unpin the event maps and the injector (instance removal). */
void ev_unpin(const char *root);
/* Daemon: a consumer that died without switching events off leaves them off again. */
void ev_reap_stale(struct ctl *c);

/* events_inject.c: around the daemon's NAT GC, the expiries it tells a monitor about
 * (nothing is loaded unless a monitor asked for NAT events). */
struct sl_nat_ct_key;
struct sl_nat_ct;
int ev_inject_begin(struct ctl *c);
void ev_inject_conn_expired(const struct sl_nat_ct_key *k, const struct sl_nat_ct *v);
void ev_inject_end(void);

/* event_fmt.c: names and decoding, shared by the monitor and the tests. */
struct ev_names {
	const char *(*port)(void *ctx, uint32_t ifindex, char buf[32]);
	const char *(*sw)(void *ctx, uint32_t id, char buf[32]);
	void *ctx;
};
/* "drop", "pass", "trace", "conn" */
const char *ev_verdict(const struct sl_event *e);
/* The reason or step name, e.g. "spoofed_mac", "unsolicited", "flooded", "new". */
const char *ev_reason(const struct sl_event *e);
/* A trace of the NAT fast path sending a packet; its direction, "out" or "in". */
bool ev_is_fastpath(const struct sl_event *e);
const char *ev_fast_direction(const struct sl_event *e);
/* One line, no newline; REALTIME_OFF_NS turns the event's monotonic stamp into wall time. */
void ev_format_text(const struct sl_event *e, const struct ev_names *n, int64_t realtime_off_ns,
		    char *buf, size_t len);
json_object *ev_format_json(const struct sl_event *e, const struct ev_names *n,
			    int64_t realtime_off_ns);
/* The frame of E as captured, with a tag held as skb metadata put back into the bytes;
 * returns its length (0: E carries no frame). */
size_t ev_frame(const struct sl_event *e, uint8_t out[SL_EV_SNAP + 4], uint32_t *orig_len);

#endif
