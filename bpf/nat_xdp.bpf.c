// SPDX-License-Identifier: GPL-2.0-only
/* The NAT's XDP programs: the uplink's hook (`nat add ... xdp native|generic`), which sends
 * replies straight into XDP container ports, and the XDP ports' outbound path to such an
 * uplink (tail-called by the switch). Everything else passes to the tc hooks. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "lib/nat_xdp_out.h"

SEC("xdp")
int sl_nat_xdp(struct xdp_md *ctx)
{
	return sl_nat_xdp_in(ctx);
}

SEC("xdp")
int sl_nat_xdp_out(struct xdp_md *ctx)
{
	return sl_nat_xdp_out_path(ctx);
}

char LICENSE[] SEC("license") = "GPL";
