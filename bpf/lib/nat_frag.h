/* SPDX-License-Identifier: GPL-2.0-only */
/* Fragments in any order (docs/nat-fragments.md): a later fragment whose first fragment was
 * not seen yet is copied to the daemon and taken off the wire; the first fragment's
 * translation releases it. BPF keeps only the bounds (per datagram) and a heartbeat check,
 * so a stopped daemon costs nothing but today's behaviour. */
#ifndef SL_NAT_FRAG_H
#define SL_NAT_FRAG_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "sluice_nat.h"

/* A verdict beside SL_NAT_PASS: the packet went to the daemon (TC_ACT_SHOT, no NAT drop). */
#define SL_NAT_HELD	(-2)

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, SL_NAT_FRAG_HELD_MAX);
	__type(key, struct sl_nat_frag_key);
	__type(value, struct sl_nat_frag_held);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_nat_frag_held SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sl_nat_frag_ctl);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_nat_frag_ctl SEC(".maps");

/* max_entries 0: libbpf sizes it to the possible CPUs. */
struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_nat_frag_ev SEC(".maps");

/* Is a daemon reading the events (its heartbeat younger than SL_NAT_FRAG_ALIVE_NS)? */
static __always_inline int sl_nat_frag_daemon(__u64 now)
{
	__u32 zero = 0;
	struct sl_nat_frag_ctl *c = bpf_map_lookup_elem(&sl_nat_frag_ctl, &zero);

	return c && c->heartbeat_ns && now - c->heartbeat_ns < SL_NAT_FRAG_ALIVE_NS;
}

/* The held entry of K, made (or restarted, when its datagram's time is over) as needed. */
static __always_inline struct sl_nat_frag_held *sl_nat_frag_slot(const struct sl_nat_frag_key *k,
								  __u64 now)
{
	struct sl_nat_frag_held *h = bpf_map_lookup_elem(&sl_nat_frag_held, k);
	struct sl_nat_frag_held fresh = { .first_ns = now };

	if (h && now - h->first_ns <= SL_NAT_FRAG_HOLD_NS)
		return h;
	/* New, or a reused IP ID after the daemon expired the old datagram's fragments. */
	if (bpf_map_update_elem(&sl_nat_frag_held, k, &fresh, BPF_ANY))
		return NULL;
	return bpf_map_lookup_elem(&sl_nat_frag_held, k);
}

/* Hand SKB, a later fragment of datagram K, to the daemon: SL_NAT_HELD, or SL_NAT_PASS when it
 * is not held (no daemon: nothing counted; a bound reached: frag_overflow). */
static __always_inline int sl_nat_frag_hold(struct __sk_buff *skb, const struct sl_nat_frag_key *k,
					    struct sl_nat_stats *st)
{
	struct sl_nat_frag_ev ev = { .kind = SL_NAT_FRAG_EV_HOLD, .key = *k };
	__u64 now = bpf_ktime_get_ns(), len;
	struct sl_nat_frag_held *h;

	if (!sl_nat_frag_daemon(now))
		return SL_NAT_PASS;
	h = sl_nat_frag_slot(k, now);
	len = skb->len;
	if (!h || len > SL_NAT_FRAG_PKT_MAX || h->frags >= SL_NAT_FRAG_HOLD_FRAGS ||
	    h->bytes + len > SL_NAT_FRAG_HOLD_BYTES)
		goto over;
	ev.ifindex = skb->ifindex;
	ev.len = len;
	/* Bounded right beside the helper: 6.1's verifier loses a bound checked further up. */
	len &= 0x3fff;
	if (bpf_perf_event_output(skb, &sl_nat_frag_ev, BPF_F_CURRENT_CPU | (len << 32), &ev,
				  sizeof(ev)))
		goto over;	/* the daemon's buffer is full */
	__sync_fetch_and_add(&h->frags, 1);
	__sync_fetch_and_add(&h->bytes, (__u32)len);
	if (st)
		st->frag_held++;
	return SL_NAT_HELD;
over:
	if (st)
		st->frag_overflow++;
	return SL_NAT_PASS;
}

/* The first fragment of K was translated to ADDR: release what the daemon holds for it. */
static __always_inline void sl_nat_frag_release(struct __sk_buff *skb,
						const struct sl_nat_frag_key *k, __be32 addr,
						struct sl_nat_stats *st)
{
	struct sl_nat_frag_ev ev = { .kind = SL_NAT_FRAG_EV_RELEASE, .key = *k, .addr = addr };
	struct sl_nat_frag_held *h = bpf_map_lookup_elem(&sl_nat_frag_held, k);

	if (!h)
		return;
	ev.ifindex = skb->ifindex;
	if (st)
		st->frag_released += h->frags;
	bpf_perf_event_output(skb, &sl_nat_frag_ev, BPF_F_CURRENT_CPU, &ev, sizeof(ev));
	bpf_map_delete_elem(&sl_nat_frag_held, k);
}

#endif
