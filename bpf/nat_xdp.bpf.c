// SPDX-License-Identifier: GPL-2.0-only
/* The NAT uplink's XDP hook (`nat add ... xdp native|generic`): replies translated and
 * sent straight into XDP container ports; everything else passes to the tc hooks. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "lib/nat_xdp.h"

SEC("xdp")
int sl_nat_xdp(struct xdp_md *ctx)
{
	return sl_nat_xdp_in(ctx);
}

char LICENSE[] SEC("license") = "GPL";
