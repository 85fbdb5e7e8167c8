/* SPDX-License-Identifier: GPL-2.0-only */
/* The map of each port's IPv4 addresses beyond its first (include/sluice_ip4.h), pinned
 * by name beside the others, and the lookup anti-spoofing makes in it. */
#ifndef SL_MAPS4_H
#define SL_MAPS4_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "sluice.h"
#include "sluice_ip4.h"

/* An array by slot: the verifier inlines the lookup. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SL_PORTS_MAX + 1);
	__type(key, __u32);
	__type(value, struct sl_port4);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_port4 SEC(".maps");

/* ADDR is one of PORT's extra IPv4 addresses (the caller already compared .ip). */
static __always_inline int sl_addr4_extra(const struct sl_port *port, __u32 addr)
{
	__u32 slot = port->slot;
	struct sl_port4 *a = bpf_map_lookup_elem(&sl_port4, &slot);

	if (!a)
		return 0;
	for (int i = 0; i < SL_ADDR4_EXTRA_MAX; i++) {
		if (i >= a->naddr)
			break;
		if (a->addr[i] == addr)
			return 1;
	}
	return 0;
}

#endif
