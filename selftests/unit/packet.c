// SPDX-License-Identifier: MIT
/* Builds the crafted frames the unit tests feed the datapath, and verifies
 * IPv4/UDP/TCP/ICMP checksums from scratch in frames the datapath returns. */
#include <stdio.h>
#include <string.h>
#include <linux/if_arp.h>
#include <linux/if_ether.h>
#include <netinet/in.h>
#include "packet.h"

#define IPV4_HLEN	20
#define UDP_HLEN	8
#define TCP_HLEN	20
#define ICMP_HLEN	8
#define ARP_LEN		28

static void put16(uint8_t *b, uint16_t v)
{
	b[0] = v >> 8;
	b[1] = v;
}

static uint16_t get16(const uint8_t *b)
{
	return b[0] << 8 | b[1];
}

/* Sum of big-endian 16-bit words, an odd last byte padded with zero. */
static uint32_t sum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *b = data;

	for (; len > 1; b += 2, len -= 2)
		sum += get16(b);
	if (len)
		sum += b[0] << 8;
	return sum;
}

static uint16_t sum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum & 0xffff;
}

uint16_t pkt_csum16(const void *data, size_t len)
{
	return sum_fold(sum_add(0, data, len));
}

/* Sum of the IPv4 pseudo-header: addresses, protocol, L4 length. */
static uint32_t sum_pseudo(const uint8_t *iph, size_t l4_len)
{
	uint8_t ph[12];

	memcpy(ph, iph + 12, 8);
	ph[8] = 0;
	ph[9] = iph[9];
	put16(ph + 10, l4_len);
	return sum_add(0, ph, sizeof(ph));
}

static uint8_t *pkt_grow(struct pkt *p, size_t len)
{
	uint8_t *at = p->data + p->len;

	if (p->len + len > PKT_MAX)
		runner_fail(__FILE__, __LINE__, "frame longer than %d bytes", PKT_MAX);
	p->len += len;
	return at;
}

static void pkt_pattern(struct pkt *p, size_t len)
{
	uint8_t *b = pkt_grow(p, len);

	for (size_t i = 0; i < len; i++)
		b[i] = i * 7 + 1;
}

void pkt_eth(struct pkt *p, const uint8_t *dst, const uint8_t *src)
{
	memset(p, 0, sizeof(*p));
	memcpy(p->data, dst, ETH_ALEN);
	memcpy(p->data + ETH_ALEN, src, ETH_ALEN);
	p->len = p->l3 = ETH_HLEN;
}

void pkt_vlan(struct pkt *p, uint16_t tpid, uint16_t tci)
{
	p->len = p->l3;
	pkt_grow(p, 4);
	put16(p->data + p->l3 - 2, tpid);
	put16(p->data + p->l3, tci);
	p->l3 += 4;
}

static void pkt_type(struct pkt *p, uint16_t type)
{
	p->len = p->l3;
	put16(p->data + p->l3 - 2, type);
}

void pkt_raw(struct pkt *p, uint16_t type, size_t len)
{
	pkt_type(p, type);
	pkt_pattern(p, len);
}

/* IPv4 header for an L4 segment of L4_LEN bytes; returns where the segment goes. */
static uint8_t *pkt_ipv4(struct pkt *p, uint32_t saddr, uint32_t daddr, uint8_t proto,
			 size_t l4_len)
{
	uint8_t *iph;

	pkt_type(p, ETH_P_IP);
	iph = pkt_grow(p, IPV4_HLEN);
	iph[0] = 0x45;
	put16(iph + 2, IPV4_HLEN + l4_len);
	put16(iph + 4, 0x1234);		/* id */
	put16(iph + 6, 0x4000);		/* DF */
	iph[8] = 64;
	iph[9] = proto;
	memcpy(iph + 12, &saddr, 4);
	memcpy(iph + 16, &daddr, 4);
	put16(iph + 10, pkt_csum16(iph, IPV4_HLEN));
	return iph + IPV4_HLEN;
}

/* Fill the L4 checksum at CSUM_OFF of the segment at L4, pseudo-header included or not. */
static void pkt_l4_csum(struct pkt *p, uint8_t *l4, size_t csum_off, int pseudo)
{
	size_t len = p->data + p->len - l4;
	uint32_t sum = pseudo ? sum_pseudo(l4 - IPV4_HLEN, len) : 0;
	uint16_t c = sum_fold(sum_add(sum, l4, len));

	put16(l4 + csum_off, c == 0 && pseudo ? 0xffff : c);	/* UDP: 0 means none */
}

void pkt_udp4(struct pkt *p, uint32_t saddr, uint32_t daddr, uint16_t sport, uint16_t dport,
	      size_t payload_len)
{
	uint8_t *udp = pkt_ipv4(p, saddr, daddr, IPPROTO_UDP, UDP_HLEN + payload_len);

	pkt_grow(p, UDP_HLEN);
	put16(udp, sport);
	put16(udp + 2, dport);
	put16(udp + 4, UDP_HLEN + payload_len);
	pkt_pattern(p, payload_len);
	pkt_l4_csum(p, udp, 6, 1);
}

void pkt_tcp4(struct pkt *p, uint32_t saddr, uint32_t daddr, uint16_t sport, uint16_t dport,
	      size_t payload_len)
{
	uint8_t *tcp = pkt_ipv4(p, saddr, daddr, IPPROTO_TCP, TCP_HLEN + payload_len);

	pkt_grow(p, TCP_HLEN);
	put16(tcp, sport);
	put16(tcp + 2, dport);
	put16(tcp + 6, 1);		/* seq 1 */
	tcp[12] = (TCP_HLEN / 4) << 4;
	tcp[13] = 0x18;			/* PSH | ACK */
	put16(tcp + 14, 65535);		/* window */
	pkt_pattern(p, payload_len);
	pkt_l4_csum(p, tcp, 16, 1);
}

void pkt_icmp4_echo(struct pkt *p, uint32_t saddr, uint32_t daddr, uint16_t id, uint16_t seq,
		    size_t payload_len)
{
	uint8_t *icmp = pkt_ipv4(p, saddr, daddr, IPPROTO_ICMP, ICMP_HLEN + payload_len);

	pkt_grow(p, ICMP_HLEN);
	icmp[0] = 8;			/* echo request */
	put16(icmp + 4, id);
	put16(icmp + 6, seq);
	pkt_pattern(p, payload_len);
	pkt_l4_csum(p, icmp, 2, 0);
}

void pkt_arp(struct pkt *p, uint16_t op, const uint8_t *sha, uint32_t sip,
	     const uint8_t *tha, uint32_t tip)
{
	uint8_t *arp;

	pkt_type(p, ETH_P_ARP);
	arp = pkt_grow(p, ARP_LEN);
	put16(arp, ARPHRD_ETHER);
	put16(arp + 2, ETH_P_IP);
	arp[4] = ETH_ALEN;
	arp[5] = 4;
	put16(arp + 6, op);
	memcpy(arp + 8, sha, ETH_ALEN);
	memcpy(arp + 14, &sip, 4);
	memcpy(arp + 18, tha, ETH_ALEN);
	memcpy(arp + 24, &tip, 4);
}

/* Verify the L4 checksum at CSUM_OFF by recomputing it over a copy with the field zeroed. */
static const char *l4_csum_error(const uint8_t *iph, const uint8_t *l4, size_t len,
				 size_t csum_off, int pseudo, const char *name)
{
	static char why[128];
	uint8_t seg[PKT_MAX];
	uint16_t want;

	if (len < csum_off + 2) {
		snprintf(why, sizeof(why), "%s segment of %zu bytes is truncated", name, len);
		return why;
	}
	memcpy(seg, l4, len);
	put16(seg + csum_off, 0);
	want = sum_fold(sum_add(pseudo ? sum_pseudo(iph, len) : 0, seg, len));
	if (pseudo && want == 0)
		want = 0xffff;
	if (get16(l4 + csum_off) == want)
		return NULL;
	snprintf(why, sizeof(why), "%s checksum is %#06x, should be %#06x", name,
		 get16(l4 + csum_off), want);
	return why;
}

const char *pkt_csum_error(const uint8_t *f, size_t len)
{
	static char why[128];
	size_t off = 2 * ETH_ALEN, ihl, tot;
	const uint8_t *iph;
	uint16_t type;

	for (;; off += 4) {		/* skip any tags */
		if (off + 2 > len)
			return NULL;	/* no L3 header: nothing to verify */
		type = get16(f + off);
		if (type != ETH_P_8021Q && type != ETH_P_8021AD)
			break;
	}
	off += 2;
	if (type != ETH_P_IP)
		return NULL;
	iph = f + off;
	ihl = off + IPV4_HLEN <= len ? (iph[0] & 0xf) * 4u : 0;
	if (ihl < IPV4_HLEN || off + ihl > len)
		return "IPv4 header truncated or IHL invalid";
	if (pkt_csum16(iph, ihl)) {
		snprintf(why, sizeof(why), "IPv4 header checksum %#06x is wrong", get16(iph + 10));
		return why;
	}
	tot = get16(iph + 2);
	if (tot < ihl || off + tot > len)
		return "IPv4 total length does not fit the frame";
	switch (iph[9]) {
	case IPPROTO_UDP:
		if (tot - ihl >= UDP_HLEN && get16(iph + ihl + 6) == 0)
			return NULL;	/* sent without a checksum */
		return l4_csum_error(iph, iph + ihl, tot - ihl, 6, 1, "UDP");
	case IPPROTO_TCP:
		return l4_csum_error(iph, iph + ihl, tot - ihl, 16, 1, "TCP");
	case IPPROTO_ICMP:
		return l4_csum_error(iph, iph + ihl, tot - ihl, 2, 0, "ICMP");
	}
	return NULL;
}
