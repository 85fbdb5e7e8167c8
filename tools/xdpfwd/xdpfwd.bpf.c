/* SPDX-License-Identifier: GPL-2.0-only */
/* xdpfwd's XDP programs: the forwarding ceiling (every frame to the one DEVMAP port) and a
 * sink that counts and drops, so a benchmark can count frames without a socket. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

/* Key 0 -> ifindex of the OUT device, written by main.c in the same netns as IN. */
struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} tx_port SEC(".maps");

struct sink_count {
	__u64 frames;
	__u64 bytes;
};

/* Per-CPU so the sink adds no cache-line bouncing to what it measures. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sink_count);
} sink_counts SEC(".maps");

SEC("xdp")
int xdpfwd_redirect(struct xdp_md *ctx)
{
	return bpf_redirect_map(&tx_port, 0, 0);
}

SEC("xdp")
int xdpfwd_sink(struct xdp_md *ctx)
{
	__u32 zero = 0;
	struct sink_count *c = bpf_map_lookup_elem(&sink_counts, &zero);

	if (c) {
		c->frames++;
		c->bytes += ctx->data_end - ctx->data;
	}
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
