/* SPDX-License-Identifier: GPL-2.0-only */
/* NAT66's maps, the IPv6 twins of nat_maps.h's, pinned by name beside them. The rules'
 * common half (name, uplink, ports, flags) stays in sl_nat_rules at the same slot. */
#ifndef SL_NAT6_MAPS_H
#define SL_NAT6_MAPS_H

#include "nat_maps.h"
#include "sluice_nat6.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SL_NAT_RULES_MAX);
	__type(key, __u32);
	__type(value, struct sl_nat6_rule);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_nat6_rules SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 2 * SL_NAT_FLOWS_DEFAULT);
	__type(key, struct sl_nat6_ct_key);
	__type(value, struct sl_nat6_ct);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_nat6_ct SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SL_NAT_FLOWS_DEFAULT);
	__type(key, struct sl_nat6_map_key);
	__type(value, struct sl_nat6_map);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_nat6_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SL_NAT_FLOWS_DEFAULT);
	__type(key, struct sl_nat6_map_key);
	__type(value, struct sl_nat6_map);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_nat6_rmap SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, SL_NAT_FRAGS_MAX);
	__type(key, struct sl_nat6_frag_key);
	__type(value, struct sl_nat6_frag);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_nat6_frag SEC(".maps");

#endif
