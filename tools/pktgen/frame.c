/* SPDX-License-Identifier: MIT */
/* pktgen's frame template: lays out Ethernet/IPv4/UDP headers over a zero payload and fills
 * in the IPv4 header checksum and the UDP checksum (pseudo-header included). */
#include <string.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include "frame.h"

/* One's complement sum of 16-bit words in network order, not yet folded. */
static uint32_t sum_words(const void *data, size_t len, uint32_t sum)
{
	const uint8_t *p = data;

	for (; len > 1; p += 2, len -= 2)
		sum += (uint32_t)p[0] << 8 | p[1];
	if (len)
		sum += (uint32_t)p[0] << 8;
	return sum;
}

/* Folded, inverted checksum in network order. */
static uint16_t fold_sum(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t)~sum);
}

static uint16_t compute_udp_check(const struct iphdr *ip, const struct udphdr *udp,
				  size_t udp_len)
{
	uint32_t sum = 0;
	uint16_t check;

	sum = sum_words(&ip->saddr, 8, sum);	/* saddr and daddr are adjacent */
	sum += IPPROTO_UDP + udp_len;
	sum = sum_words(udp, udp_len, sum);
	check = fold_sum(sum);
	return check ? check : 0xffff;	/* 0 on the wire means "no checksum" */
}

unsigned int frame_build(const struct frame_spec *spec, uint8_t *buf)
{
	unsigned int len = spec->size - FRAME_FCS_LEN;
	struct ethhdr *eth = (struct ethhdr *)buf;
	struct iphdr *ip = (struct iphdr *)(eth + 1);
	struct udphdr *udp = (struct udphdr *)(ip + 1);

	memset(buf, 0, len);
	memcpy(eth->h_dest, spec->dst_mac, ETH_ALEN);
	memcpy(eth->h_source, spec->src_mac, ETH_ALEN);
	eth->h_proto = htons(ETH_P_IP);

	ip->version = 4;
	ip->ihl = 5;
	ip->tot_len = htons(len - sizeof(*eth));
	ip->ttl = 64;
	ip->protocol = IPPROTO_UDP;
	ip->saddr = spec->src_ip.s_addr;
	ip->daddr = spec->dst_ip.s_addr;
	ip->check = fold_sum(sum_words(ip, sizeof(*ip), 0));

	udp->source = htons(spec->sport);
	udp->dest = htons(spec->dport);
	udp->len = htons(len - sizeof(*eth) - sizeof(*ip));
	udp->check = compute_udp_check(ip, udp, len - sizeof(*eth) - sizeof(*ip));
	return len;
}

uint16_t frame_udp_check(const uint8_t *buf)
{
	const struct udphdr *udp = (const void *)(buf + sizeof(struct ethhdr) + sizeof(struct iphdr));

	return udp->check;
}
