/* SPDX-License-Identifier: GPL-2.0-only */
/* The switch's maps, shared by both hooks and pinned by name under the
 * instance's pin root so that every program and every command sees the same state. */
#ifndef SL_MAPS_H
#define SL_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "sluice.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SL_PORTS_MAX);
	__type(key, __u32);
	__type(value, struct sl_port);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_ports SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, char[SL_NAME_LEN]);
	__type(value, struct sl_switch);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_switches SEC(".maps");

/* sl_ports' facts by slot and the slot of an ifindex (sluice.h): ARRAY lookups are inlined
 * by the verifier, a HASH lookup is a helper call and a jhash, twice per forwarded frame. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SL_PORTS_MAX + 1);
	__type(key, __u32);
	__type(value, struct sl_port);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_port_slots SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SL_PORT_IDX_MAX);
	__type(key, __u32);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_port_idx SEC(".maps");

/* A full FDB refuses new MACs (counted) instead of evicting live ones. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SL_FDB_MAX);
	__type(key, struct sl_fdb_key);
	__type(value, struct sl_fdb_entry);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_fdb SEC(".maps");

/* The learn cache and its generation (sluice.h). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SL_PORTS_MAX + 1);
	__type(key, __u32);
	__type(value, struct sl_learn_cache);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_learn_cache SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_fdb_gen SEC(".maps");

/* 4 KiB values: allocated per (switch, VLAN) in use, not up front. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct sl_flood_key);
	__type(value, struct sl_flood);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_flood SEC(".maps");

/* Indexed by port slot (an array: no hashing on the per-packet path); slot 0
 * holds frames seen on a device that is no longer a port. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SL_PORTS_MAX + 1);
	__type(key, __u32);
	__type(value, struct sl_port_stats);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_stats SEC(".maps");

/* XDP redirect targets: ports flagged SL_PORT_F_XDP_TX. */
struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP_HASH);
	__uint(max_entries, SL_PORTS_MAX);
	__type(key, __u32);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_tx SEC(".maps");

#endif
