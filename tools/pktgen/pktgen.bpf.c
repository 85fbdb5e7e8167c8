/* SPDX-License-Identifier: GPL-2.0-only */
/* pktgen's XDP program: run by BPF_PROG_TEST_RUN in live-frames mode on the frame template,
 * spreads frames over N flows by UDP source port and sends each one back out with XDP_TX. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

/* Set by main.c before load; the template carries sport_base and its UDP checksum. */
const volatile __u32 flows = 1;
/* The template's headers, rewritten into every frame: live-frames pages come back with the
 * bytes the receiver left in them (a NAT's rewritten addresses, a router's MACs and TTL, a
 * pushed VLAN tag), and re-sending those would measure a different flow, or none. */
__u8 tmpl_hdr[ETH_HLEN + sizeof(struct iphdr) + sizeof(struct udphdr)];
const volatile __u16 sport_base = 0;	/* host order */
const volatile __u16 udp_check_base = 0;	/* as in the template (network order) */

/* Frames this CPU has generated: the flow selector and the count main.c reports. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} frames SEC(".maps");

/* RFC 1624 eqn. 3: checksum after one 16-bit word changed from old to new. */
static __always_inline __u16 csum_replace16(__u16 check, __u16 old, __u16 new)
{
	__u32 sum = (__u16)~check + (__u16)~old + new;

	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return ~sum;
}

/* Written from constants, not from the frame: live-frames pages keep the previous run's bytes. */
static __always_inline void set_flow(struct xdp_md *ctx, __u32 flow)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct udphdr *udp = data + sizeof(struct ethhdr) + sizeof(struct iphdr);
	__u16 sport = bpf_htons(sport_base + flow);
	__u16 check;

	if ((void *)(udp + 1) > data_end)
		return;
	check = csum_replace16(udp_check_base, bpf_htons(sport_base), sport);
	udp->source = sport;
	udp->check = check ? check : 0xffff;	/* 0 would mean "no checksum" */
}

SEC("xdp")
int pktgen_xdp(struct xdp_md *ctx)
{
	__u32 zero = 0;
	__u64 *count = bpf_map_lookup_elem(&frames, &zero);
	__u64 n;

	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;

	if (!count || data + sizeof(tmpl_hdr) > data_end)
		return XDP_ABORTED;
	__builtin_memcpy(data, tmpl_hdr, sizeof(tmpl_hdr));
	n = (*count)++;
	if (flows > 1)
		set_flow(ctx, n % flows);
	return XDP_TX;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
