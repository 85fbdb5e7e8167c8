// SPDX-License-Identifier: GPL-2.0-only
/* The offloadable part of a port's ingress, loaded per device with prog_ifindex: VLAN admission
 * and anti-spoofing drops in the NIC; what it passes meets the full native program on the host. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "lib/eth.h"
#include "lib/vlan.h"
#define SL_SPOOF_NO_IP6	/* the host's native program checks IPv6 */
#include "lib/spoof.h"

/* Offloaded maps live on the device: ARRAY or HASH, a couple of entries, no flags
 * (netdevsim takes at most 2 entries), no global data. Key 0 of each is the port. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sl_port);
} sl_off_port SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sl_port_stats);	/* rx_* and drops[] only */
} sl_off_stats SEC(".maps");

/* Not per-CPU on a device: one shared counter, moved atomically. */
static __always_inline void sl_off_count(__u32 why, __u64 len)
{
	__u32 zero = 0;
	struct sl_port_stats *s = bpf_map_lookup_elem(&sl_off_stats, &zero);

	if (!s)
		return;
	__sync_fetch_and_add(&s->rx_packets, 1);
	__sync_fetch_and_add(&s->rx_bytes, len);
	if (why < SL_DROP_MAX)
		__sync_fetch_and_add(&s->drops[why], 1);
}

SEC("xdp")
int sl_off_filter(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	__u64 len = data_end - data;
	__u32 zero = 0;
	struct sl_port *port = bpf_map_lookup_elem(&sl_off_port, &zero);
	struct sl_frame f = {};
	__be16 proto, tag_proto = 0;
	void *l3;
	__u16 tci = 0;
	int tagged = 0, why;

	/* Not configured yet (or no switch): the host's program decides. */
	if (!port || !port->switch_id) {
		sl_off_count(SL_DROP_MAX, len);
		return XDP_PASS;
	}
	if ((void *)(eth + 1) > data_end) {
		why = SL_DROP_RUNT;
		goto drop;
	}
	proto = eth->h_proto;
	l3 = eth + 1;
	if (sl_proto_is_vlan(proto)) {
		struct sl_vlan_hdr *vh = l3;

		if ((void *)(vh + 1) > data_end) {
			why = SL_DROP_RUNT;
			goto drop;
		}
		tagged = 1;
		tci = bpf_ntohs(vh->tci);
		tag_proto = proto;
		proto = vh->proto;
		l3 = vh + 1;
	}
	why = sl_vlan_classify(port, tagged, tci, tag_proto, proto, &f);
	if (why < 0)
		why = sl_spoof_check(port, eth, l3, data_end, proto);
	if (why < 0) {
		sl_off_count(SL_DROP_MAX, len);
		return XDP_PASS;
	}
drop:
	sl_off_count(why, len);
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
