// SPDX-License-Identifier: MIT
/* An event as an operator reads it: verdict, reason, port, VLAN and the frame's headers
 * decoded (MACs, tags, ARP, IPv4, TCP/UDP ports, ICMP type), as one text line or JSON. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include "events.h"
#include "output.h"
#include "parse.h"
#include "sluice_nat.h"

static const char *const switch_drop[SL_DROP_MAX] = SL_DROP_NAMES;
static const char *const nat_drop[SL_NAT_DROP_MAX] = SL_NAT_DROP_NAMES;
static const char *const nat_note[SL_EV_NOTE_MAX] = SL_EV_NAT_NOTE_NAMES;
static const char *const trace_step[SL_EV_TR_MAX] = SL_EV_TRACE_NAMES;
static const char *const conn_event[SL_EV_CONN_MAX] = SL_EV_CONN_NAMES;
static const char *const hook_names[SL_EV_HOOK_MAX] = SL_EV_HOOK_NAMES;
static const char *const state_names[SL_NAT_ST_MAX] = SL_NAT_STATE_NAMES;

#define NAME_OF(tab, i) ((size_t)(i) < sizeof(tab) / sizeof(tab[0]) && tab[i] ? tab[i] : "unknown")

const char *ev_verdict(const struct sl_event *e)
{
	switch (e->type) {
	case SL_EV_DROP:
		return e->source == SL_EV_SRC_NAT_NOTE ? "pass" : "drop";
	case SL_EV_TRACE:
		return "trace";
	default:
		return "conn";
	}
}

const char *ev_reason(const struct sl_event *e)
{
	switch (e->source) {
	case SL_EV_SRC_SWITCH:
		return NAME_OF(switch_drop, e->code);
	case SL_EV_SRC_NAT:
		return NAME_OF(nat_drop, e->code);
	case SL_EV_SRC_NAT_NOTE:
		return NAME_OF(nat_note, e->code);
	case SL_EV_SRC_TRACE:
		return NAME_OF(trace_step, e->code);
	case SL_EV_SRC_CONN:
		return NAME_OF(conn_event, e->code);
	}
	return "unknown";
}

bool ev_is_fastpath(const struct sl_event *e)
{
	return e->type == SL_EV_TRACE && e->source == SL_EV_SRC_TRACE &&
	       e->code == SL_EV_TR_FASTPATH;
}

/* out: container -> outside, at the container's port; in: the reply, at the uplink. */
const char *ev_fast_direction(const struct sl_event *e)
{
	return e->flags & SL_EV_F_REPLY ? "in" : "out";
}

size_t ev_frame(const struct sl_event *e, uint8_t out[SL_EV_SNAP + 4], uint32_t *orig_len)
{
	size_t n = e->cap_len > SL_EV_SNAP ? SL_EV_SNAP : e->cap_len;

	*orig_len = e->pkt_len;
	if (n < 12 || !(e->flags & SL_EV_F_TAG_META)) {
		memcpy(out, e->data, n);
		return n;
	}
	memcpy(out, e->data, 12);	/* the MACs, then the tag the stack kept aside */
	out[12] = 0x81;
	out[13] = 0x00;
	out[14] = e->tci >> 8;
	out[15] = e->tci & 0xff;
	memcpy(out + 16, e->data + 12, n - 12);
	*orig_len += 4;
	return n + 4;
}

/* Decoded headers of a frame: what the text line and the JSON both show. */
struct hdrs {
	char src_mac[18], dst_mac[18];
	int vids[2], ntags;
	uint16_t ethertype;
	int ipv4, arp;
	char saddr[16], daddr[16];
	uint8_t proto;
	int ports;			/* sport/dport valid */
	uint16_t sport, dport;
	int icmp;
	uint8_t icmp_type, icmp_code;
	uint8_t tcp_flags;
	uint16_t arp_op;
};

static uint16_t be16(const uint8_t *p)
{
	return p[0] << 8 | p[1];
}

static void decode_l4(const uint8_t *p, size_t n, struct hdrs *h)
{
	if ((h->proto == IPPROTO_TCP || h->proto == IPPROTO_UDP) && n >= 4) {
		h->ports = 1;
		h->sport = be16(p);
		h->dport = be16(p + 2);
		if (h->proto == IPPROTO_TCP && n >= 14)
			h->tcp_flags = p[13];
	} else if (h->proto == IPPROTO_ICMP && n >= 2) {
		h->icmp = 1;
		h->icmp_type = p[0];
		h->icmp_code = p[1];
	}
}

static void decode(const uint8_t *f, size_t n, struct hdrs *h)
{
	size_t off = 14;

	memset(h, 0, sizeof(*h));
	if (n < 14)
		return;
	format_mac(f, h->dst_mac);
	format_mac(f + 6, h->src_mac);
	h->ethertype = be16(f + 12);
	while ((h->ethertype == 0x8100 || h->ethertype == 0x88a8) && n >= off + 4) {
		if (h->ntags < 2)
			h->vids[h->ntags++] = be16(f + off) & 0xfff;
		h->ethertype = be16(f + off + 2);
		off += 4;
	}
	if (h->ethertype == 0x0800 && n >= off + 20 && (f[off] >> 4) == 4) {
		const uint8_t *ip = f + off;
		size_t ihl = (ip[0] & 0xf) * 4;
		uint32_t a;

		h->ipv4 = 1;
		h->proto = ip[9];
		memcpy(&a, ip + 12, 4);
		format_ipv4(a, h->saddr);
		memcpy(&a, ip + 16, 4);
		format_ipv4(a, h->daddr);
		if (ihl >= 20 && !(be16(ip + 6) & 0x1fff) && n > off + ihl)
			decode_l4(ip + ihl, n - off - ihl, h);
	} else if (h->ethertype == 0x0806 && n >= off + 28) {
		const uint8_t *arp = f + off;
		uint32_t a;

		h->arp = 1;
		h->arp_op = be16(arp + 6);
		memcpy(&a, arp + 14, 4);
		format_ipv4(a, h->saddr);
		memcpy(&a, arp + 24, 4);
		format_ipv4(a, h->daddr);
	}
}

static const char *proto_name(uint8_t p, char buf[8])
{
	if (p == IPPROTO_TCP)
		return "tcp";
	if (p == IPPROTO_UDP)
		return "udp";
	if (p == IPPROTO_ICMP)
		return "icmp";
	snprintf(buf, 8, "%u", p);
	return buf;
}

static const char *icmp_name(uint8_t type)
{
	switch (type) {
	case 0: return "echo-reply";
	case 3: return "unreachable";
	case 8: return "echo-request";
	case 11: return "time-exceeded";
	default: return "icmp";
	}
}

/* UTC: HH:MM:SS.us for the text line (as tcpdump), full ISO 8601 for JSON. */
static void format_time(const struct sl_event *e, int64_t off, bool iso, char buf[96])
{
	int64_t ns = (int64_t)e->ts + off;
	time_t s = ns / 1000000000;
	unsigned long us = (unsigned long)(ns % 1000000000) / 1000 % 1000000;
	struct tm tm;

	gmtime_r(&s, &tm);
	if (iso)
		snprintf(buf, 96, "%04d-%02d-%02dT%02d:%02d:%02d.%06luZ", tm.tm_year + 1900,
			 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, us);
	else
		snprintf(buf, 96, "%02d:%02d:%02d.%06lu", tm.tm_hour, tm.tm_min, tm.tm_sec, us);
}

#define APPEND(...) do { size_t _u = strlen(buf); \
	if (_u < len) snprintf(buf + _u, len - _u, __VA_ARGS__); } while (0)

static void text_headers(const struct hdrs *h, uint32_t flen, char *buf, size_t len)
{
	char pb[8];

	APPEND(" %s > %s", h->src_mac, h->dst_mac);
	for (int i = 0; i < h->ntags; i++)
		APPEND(" vlan %d", h->vids[i]);
	if (h->arp)
		APPEND(" arp %s %s > %s", h->arp_op == 1 ? "who-has" : "reply", h->saddr, h->daddr);
	else if (h->ipv4) {
		APPEND(" %s", proto_name(h->proto, pb));
		if (h->ports)
			APPEND(" %s:%u > %s:%u", h->saddr, h->sport, h->daddr, h->dport);
		else
			APPEND(" %s > %s", h->saddr, h->daddr);
		if (h->icmp)
			APPEND(" %s", icmp_name(h->icmp_type));
	} else
		APPEND(" ethertype 0x%04x", h->ethertype);
	APPEND(" len %u", flen);
}

static void tuple_text(const struct sl_event *e, char *buf, size_t len)
{
	char s[16], d[16], x[16], pb[8];

	format_ipv4(e->saddr, s);
	format_ipv4(e->daddr, d);
	format_ipv4(e->x_addr, x);
	APPEND(" %s %s:%u > %s:%u", proto_name(e->proto, pb), s, ntohs(e->sport), d,
	       ntohs(e->dport));
	if (e->x_addr)
		APPEND(" via %s:%u", x, ntohs(e->x_port));
}

void ev_format_text(const struct sl_event *e, const struct ev_names *n, int64_t off, char *buf,
		    size_t len)
{
	uint8_t frame[SL_EV_SNAP + 4];
	uint32_t flen;
	size_t fl = ev_frame(e, frame, &flen);
	char t[96], pb[32], sb[32], mac[18];
	struct hdrs h;

	format_time(e, off, false, t);
	snprintf(buf, len, "%s %s %s", t, ev_verdict(e), ev_reason(e));
	if (e->ifindex)
		APPEND(" port %s", n->port(n->ctx, e->ifindex, pb));
	if (e->switch_id)
		APPEND(" switch %s", n->sw(n->ctx, e->switch_id, sb));
	if (e->vid)
		APPEND(" vlan %u", e->vid);
	if (e->type == SL_EV_TRACE && e->code == SL_EV_TR_UNICAST)
		APPEND(" to %s", n->port(n->ctx, e->aux, pb));
	if (ev_is_fastpath(e))
		APPEND(" %s to %s", ev_fast_direction(e), n->port(n->ctx, e->aux, pb));
	if (e->type == SL_EV_TRACE && e->code == SL_EV_TR_LEARNED) {
		format_mac(e->data, mac);
		APPEND(" mac %s", mac);
		return;
	}
	if (e->type == SL_EV_NAT) {
		tuple_text(e, buf, len);
		APPEND(" %s%s", NAME_OF(state_names, e->aux), e->flags & SL_EV_F_REPLY ? " (reply)" : "");
		return;
	}
	if (e->hook < SL_EV_HOOK_MAX)
		APPEND(" %s:", hook_names[e->hook]);
	if (e->x_addr) {
		char x[16];

		format_ipv4(e->x_addr, x);
		APPEND(" %s %s:%u", e->code == SL_EV_TR_SNAT ? "source now" : "destination now", x,
		       ntohs(e->x_port));
		APPEND(";");
	}
	decode(frame, fl, &h);
	if (fl >= 14)
		text_headers(&h, flen, buf, len);
}

static json_object *json_headers(const struct hdrs *h)
{
	json_object *o = json_object_new_object(), *tags;
	char pb[8];

	jadd_str(o, "src_mac", h->src_mac);
	jadd_str(o, "dst_mac", h->dst_mac);
	if (h->ntags) {
		tags = json_object_new_array();
		for (int i = 0; i < h->ntags; i++)
			json_object_array_add(tags, json_object_new_int(h->vids[i]));
		json_object_object_add(o, "vlan_tags", tags);
	}
	jadd_int(o, "ethertype", h->ethertype);
	if (h->arp) {
		jadd_str(o, "arp", h->arp_op == 1 ? "request" : "reply");
		jadd_str(o, "sender_ip", h->saddr);
		jadd_str(o, "target_ip", h->daddr);
	} else if (h->ipv4) {
		jadd_str(o, "saddr", h->saddr);
		jadd_str(o, "daddr", h->daddr);
		jadd_str(o, "proto", proto_name(h->proto, pb));
		if (h->ports) {
			jadd_int(o, "sport", h->sport);
			jadd_int(o, "dport", h->dport);
		}
		if (h->proto == IPPROTO_TCP && h->ports)
			jadd_int(o, "tcp_flags", h->tcp_flags);
		if (h->icmp) {
			jadd_int(o, "icmp_type", h->icmp_type);
			jadd_int(o, "icmp_code", h->icmp_code);
		}
	}
	return o;
}

static json_object *json_tuple(const struct sl_event *e)
{
	json_object *o = json_object_new_object();
	char a[16], pb[8];

	jadd_str(o, "proto", proto_name(e->proto, pb));
	format_ipv4(e->saddr, a);
	jadd_str(o, "saddr", a);
	jadd_int(o, "sport", ntohs(e->sport));
	format_ipv4(e->daddr, a);
	jadd_str(o, "daddr", a);
	jadd_int(o, "dport", ntohs(e->dport));
	if (e->x_addr) {
		format_ipv4(e->x_addr, a);
		jadd_str(o, "x_addr", a);
		jadd_int(o, "x_port", ntohs(e->x_port));
	}
	return o;
}

json_object *ev_format_json(const struct sl_event *e, const struct ev_names *n, int64_t off)
{
	static const char *const types[SL_EV_TYPE_MAX] = { "drop", "trace", "nat" };
	json_object *o = json_object_new_object();
	uint8_t frame[SL_EV_SNAP + 4];
	uint32_t flen;
	size_t fl = ev_frame(e, frame, &flen);
	char t[96], pb[32], mac[18];
	struct hdrs h;

	format_time(e, off, true, t);
	jadd_str(o, "time", t);
	jadd_int(o, "ts_ns", (int64_t)e->ts + off);
	jadd_str(o, "type", NAME_OF(types, e->type));
	jadd_str(o, "verdict", ev_verdict(e));
	jadd_str(o, "reason", ev_reason(e));
	jadd_str(o, "hook", NAME_OF(hook_names, e->hook));
	if (e->ifindex)
		jadd_str(o, "port", n->port(n->ctx, e->ifindex, pb));
	if (e->switch_id)
		jadd_str(o, "switch", n->sw(n->ctx, e->switch_id, pb));
	if (e->vid)
		jadd_int(o, "vlan", e->vid);
	if (e->type == SL_EV_TRACE && e->code == SL_EV_TR_UNICAST)
		jadd_str(o, "to", n->port(n->ctx, e->aux, pb));
	if (ev_is_fastpath(e)) {
		jadd_str(o, "direction", ev_fast_direction(e));
		jadd_str(o, "to", n->port(n->ctx, e->aux, pb));
	}
	if (e->type == SL_EV_TRACE && e->code == SL_EV_TR_LEARNED) {
		format_mac(e->data, mac);
		jadd_str(o, "mac", mac);
	}
	if (e->type == SL_EV_NAT || e->x_addr || e->source == SL_EV_SRC_NAT ||
	    e->source == SL_EV_SRC_NAT_NOTE || ev_is_fastpath(e))
		json_object_object_add(o, "tuple", json_tuple(e));
	if (e->type == SL_EV_NAT) {
		jadd_str(o, "state", NAME_OF(state_names, e->aux));
		jadd_bool(o, "reply", !!(e->flags & SL_EV_F_REPLY));
	}
	if (fl >= 14) {
		decode(frame, fl, &h);
		jadd_int(o, "len", flen);
		json_object_object_add(o, "headers", json_headers(&h));
	}
	return o;
}
