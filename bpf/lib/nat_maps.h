/* SPDX-License-Identifier: GPL-2.0-only */
/* The NAT's maps, pinned by name under the instance's pin root next to the switch's.
 * Sizes are defaults: the controller sets the connection table's size before loading. */
#ifndef SL_NAT_MAPS_H
#define SL_NAT_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "sluice_nat.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SL_NAT_RULES_MAX);
	__type(key, __u32);
	__type(value, struct sl_nat_rule);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_nat_rules SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sl_nat_cfg);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_nat_cfg SEC(".maps");

/* Two entries per connection; LRU so that a full table forgets the idlest. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 2 * SL_NAT_FLOWS_DEFAULT);
	__type(key, struct sl_nat_ct_key);
	__type(value, struct sl_nat_ct);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_nat_ct SEC(".maps");

/* Mappings are never evicted behind the GC's back (a plain hash): an external port
 * must not change owner while a connection uses it. Preallocated, like the LRU table:
 * allocating at insert (BPF_F_NO_PREALLOC) cost a new flow ~40% of its time in refills;
 * a full table weighs the same either way, now paid for at load. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SL_NAT_FLOWS_DEFAULT);
	__type(key, struct sl_nat_map_key);
	__type(value, struct sl_nat_map);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_nat_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SL_NAT_FLOWS_DEFAULT);
	__type(key, struct sl_nat_map_key);
	__type(value, struct sl_nat_map);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_nat_rmap SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, SL_NAT_FRAGS_MAX);
	__type(key, struct sl_nat_frag_key);
	__type(value, struct sl_nat_frag);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_nat_frag SEC(".maps");

/* A trie lookup per new connection instead of a walk over every switch. LPM tries
 * allocate on update only (the kernel requires BPF_F_NO_PREALLOC); lookups never do. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, SL_NAT_LOCAL_MAX);
	__type(key, struct sl_nat_local_key);
	__type(value, struct sl_nat_local);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_nat_local SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sl_nat_stats);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_nat_stats SEC(".maps");

/* sl_nat_uplinks: the uplinks carrying the NAT's hooks, keyed by ifindex. The kernel
 * deletes a device's entry when the device goes, so the guard sees an uplink vanish
 * without the controller (a DEVMAP_HASH, never used to redirect). */
struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP_HASH);
	__uint(max_entries, SL_NAT_RULES_MAX);
	__type(key, __u32);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_nat_uplinks SEC(".maps");

static __always_inline struct sl_nat_stats *sl_nat_stats_get(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&sl_nat_stats, &zero);
}

static __always_inline void sl_nat_count_drop(struct sl_nat_stats *st, int why)
{
	if (st && why >= 0 && why < SL_NAT_DROP_MAX)
		st->drops[why]++;
}

#endif
