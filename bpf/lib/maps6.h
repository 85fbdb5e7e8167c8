/* SPDX-License-Identifier: GPL-2.0-only */
/* The switch's IPv6 maps (include/sluice_ip6.h), pinned by name beside the others:
 * address owners per switch and each port's IPv6 policy. */
#ifndef SL_MAPS6_H
#define SL_MAPS6_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "sluice.h"
#include "sluice_ip6.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SL_ADDR6_MAX);
	__type(key, struct sl_addr6_key);
	__type(value, struct sl_addr6);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_addr6 SEC(".maps");

/* An array by slot: the verifier inlines the lookup on the per-packet path. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SL_PORTS_MAX + 1);
	__type(key, __u32);
	__type(value, struct sl_port6);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_port6 SEC(".maps");

/* One word per CPU that the IPv6 guard passes the upper-layer offset through: read back
 * it is a number the verifier no longer knows, so the paths of the extension-header walk
 * meet in one state instead of multiplying what follows (10x the load time otherwise). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} sl_scratch6 SEC(".maps");

#endif
