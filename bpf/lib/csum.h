/* SPDX-License-Identifier: GPL-2.0-only */
/* Incremental Internet checksum updates (RFC 1624): field rewrites through the kernel's
 * helpers, which keep CHECKSUM_PARTIAL and CHECKSUM_COMPLETE packets right, and plain
 * one's-complement arithmetic for checksums nested inside ICMP errors. */
#ifndef SL_CSUM_H
#define SL_CSUM_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

/* One's-complement sums are byte-order independent: values stay in network order. */
static __always_inline __u16 sl_csum_fold(__u32 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)sum;
}

/* The sum change of a 16-bit word going FROM -> TO. */
static __always_inline __u32 sl_csum_diff16(__u16 from, __u16 to)
{
	return (__u16)~from + (__u32)to;
}

static __always_inline __u32 sl_csum_diff32(__u32 from, __u32 to)
{
	return sl_csum_diff16(from & 0xffff, to & 0xffff) + sl_csum_diff16(from >> 16, to >> 16);
}

/* Checksum field CSUM after data changes summing to DIFF (RFC 1624 eqn. 3). */
static __always_inline __u16 sl_csum_apply(__u16 csum, __u32 diff)
{
	return ~sl_csum_fold((__u16)~csum + diff);
}

/* Rewrite a 4-byte address at OFF, fixing the IPv4 header checksum at IP_CSUM and, when
 * L4_CSUM is not 0, the TCP/UDP checksum whose pseudo-header holds the address. */
static __always_inline int sl_store_addr(struct __sk_buff *skb, __u32 off, __be32 from, __be32 to,
					 __u32 ip_csum, __u32 l4_csum, __u64 l4_flags)
{
	if (l4_csum && bpf_l4_csum_replace(skb, l4_csum, from, to, l4_flags | BPF_F_PSEUDO_HDR | 4))
		return -1;
	if (bpf_l3_csum_replace(skb, ip_csum, from, to, 4))
		return -1;
	return bpf_skb_store_bytes(skb, off, &to, 4, 0) ? -1 : 0;
}

/* Rewrite a 2-byte port or ICMP identifier at OFF covered by the L4 checksum at L4_CSUM. */
static __always_inline int sl_store_port(struct __sk_buff *skb, __u32 off, __be16 from, __be16 to,
					 __u32 l4_csum, __u64 l4_flags)
{
	if (bpf_l4_csum_replace(skb, l4_csum, from, to, l4_flags | 2))
		return -1;
	return bpf_skb_store_bytes(skb, off, &to, 2, 0) ? -1 : 0;
}

#endif
