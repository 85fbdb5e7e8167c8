/* SPDX-License-Identifier: GPL-2.0-only */
/* Events out of the datapath: one ring buffer, written only while a consumer has switched
 * the event type on in sl_ev_cfg. Off, an event costs one array lookup and a branch. */
#ifndef SL_EVENTS_H
#define SL_EVENTS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "sluice_event.h"

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, SL_EV_RING_BYTES);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sl_ev_cfg);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_ev_cfg SEC(".maps");

/* Events the ring had no room for: a slow consumer loses events, the datapath never waits. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_ev_lost SEC(".maps");

static __always_inline int sl_ev_on(__u32 type)
{
	__u32 zero = 0;
	struct sl_ev_cfg *c = bpf_map_lookup_elem(&sl_ev_cfg, &zero);

	return c && (c->mask & (1u << type));
}

/* A record with its header zeroed and stamped, or NULL (counted) when the ring is full. */
static __always_inline struct sl_event *sl_ev_reserve(__u8 type, __u8 source, int code, __u8 hook)
{
	struct sl_event *e = bpf_ringbuf_reserve(&sl_events, sizeof(*e), 0);
	__u32 zero = 0;
	__u64 *lost;

	if (!e) {
		lost = bpf_map_lookup_elem(&sl_ev_lost, &zero);
		if (lost)
			(*lost)++;
		return NULL;
	}
	__builtin_memset(e, 0, offsetof(struct sl_event, data));
	e->ts = bpf_ktime_get_ns();
	e->type = type;
	e->source = source;
	e->code = code;
	e->hook = hook;
	return e;
}

/* How much of a LEN-byte frame to copy, 1..SL_EV_SNAP (a frame of 0 bytes asks for
 * SL_EV_SNAP and the load fails). Masking after the barrier gives the verifier (6.1's too)
 * the bounds from the arithmetic itself, whatever clang does with the comparisons. */
static __always_inline __u64 sl_ev_cap(__u64 len)
{
	__u64 n = len > SL_EV_SNAP ? SL_EV_SNAP : len;

	asm volatile("" : "+r"(n));
	return ((n - 1) & (SL_EV_SNAP - 1)) + 1;
}

static __always_inline void sl_ev_snap_skb(struct sl_event *e, struct __sk_buff *skb)
{
	__u64 n = sl_ev_cap(skb->len);

	e->pkt_len = skb->len;
	if (bpf_skb_load_bytes(skb, 0, e->data, n) == 0)
		e->cap_len = n;
	if (skb->vlan_present) {
		e->flags |= SL_EV_F_TAGGED | SL_EV_F_TAG_META;
		e->tci = skb->vlan_tci;
	}
}

static __always_inline void sl_ev_snap_xdp(struct sl_event *e, struct xdp_md *ctx)
{
	__u32 len = ctx->data_end - ctx->data;
	__u64 n = sl_ev_cap(len);

	e->pkt_len = len;
	if (bpf_xdp_load_bytes(ctx, 0, e->data, n) == 0)
		e->cap_len = n;
}

/* Trace: SW learned MAC in VID on IFINDEX. */
static __always_inline void sl_ev_learned(__u32 sw, __u16 vid, const __u8 *mac, __u32 ifindex)
{
	struct sl_event *e;

	if (!sl_ev_on(SL_EV_TRACE))
		return;
	e = sl_ev_reserve(SL_EV_TRACE, SL_EV_SRC_TRACE, SL_EV_TR_LEARNED, SL_EV_HOOK_TC);
	if (!e)
		return;
	e->switch_id = sw;
	e->vid = vid;
	e->ifindex = ifindex;
	__builtin_memcpy(e->data, mac, 6);	/* not a frame: cap_len stays 0 */
	bpf_ringbuf_submit(e, 0);
}

#endif
