// SPDX-License-Identifier: MIT
/* Builds the IPv6 frames of the unit tests (packet6.h): header, UDP, ICMPv6 and
 * neighbour discovery with the pseudo-header checksum. */
#include <string.h>
#include <linux/if_ether.h>
#include <netinet/in.h>
#include "packet6.h"

#define IPV6_HLEN	40

struct ip6a ip6(const char *text)
{
	struct ip6a r;

	if (inet_pton(AF_INET6, text, r.a) != 1)
		runner_fail(__FILE__, __LINE__, "bad IPv6 address %s", text);
	return r;
}

struct ip6a ip6_eui64(const uint8_t *mac)
{
	struct ip6a r = { .a = { 0xfe, 0x80 } };

	r.a[8] = mac[0] ^ 2;
	r.a[9] = mac[1];
	r.a[10] = mac[2];
	r.a[11] = 0xff;
	r.a[12] = 0xfe;
	memcpy(r.a + 13, mac + 3, 3);
	return r;
}

struct ip6a ip6_solicited(struct ip6a addr)
{
	struct ip6a r = ip6("ff02::1:ff00:0");

	memcpy(r.a + 13, addr.a + 13, 3);
	return r;
}

static uint32_t sum16(uint32_t sum, const uint8_t *b, size_t len)
{
	for (; len > 1; b += 2, len -= 2)
		sum += b[0] << 8 | b[1];
	if (len)
		sum += b[0] << 8;
	return sum;
}

/* The L4 checksum over the IPv6 pseudo-header (RFC 8200 8.1). */
static uint16_t csum6(const uint8_t *iph, const uint8_t *l4, size_t len, uint8_t nh)
{
	uint32_t sum = sum16(0, iph + 8, 32) + len + nh;

	sum = sum16(sum, l4, len);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum & 0xffff;
}

void pkt_ip6(struct pkt *p, struct ip6a src, struct ip6a dst, uint8_t nh, const void *payload,
	     size_t len)
{
	uint8_t *iph = p->data + p->l3, *l4 = iph + IPV6_HLEN;
	uint16_t c;

	if (p->l3 + IPV6_HLEN + len > PKT_MAX)
		runner_fail(__FILE__, __LINE__, "frame longer than %d bytes", PKT_MAX);
	p->data[p->l3 - 2] = ETH_P_IPV6 >> 8;
	p->data[p->l3 - 1] = ETH_P_IPV6 & 0xff;
	memset(iph, 0, IPV6_HLEN);
	iph[0] = 0x60;
	iph[4] = len >> 8;
	iph[5] = len;
	iph[6] = nh;
	iph[7] = 255;
	memcpy(iph + 8, src.a, 16);
	memcpy(iph + 24, dst.a, 16);
	memcpy(l4, payload, len);
	p->len = p->l3 + IPV6_HLEN + len;
	if (nh == IPPROTO_ICMPV6 && len >= 4) {
		l4[2] = l4[3] = 0;
		c = csum6(iph, l4, len, nh);
		l4[2] = c >> 8;
		l4[3] = c;
	} else if (nh == IPPROTO_UDP && len >= 8) {
		l4[6] = l4[7] = 0;
		c = csum6(iph, l4, len, nh);
		c = c ? c : 0xffff;
		l4[6] = c >> 8;
		l4[7] = c;
	}
}

void pkt_udp6(struct pkt *p, struct ip6a src, struct ip6a dst, uint16_t sport, uint16_t dport)
{
	uint8_t u[8 + 16] = { sport >> 8, sport & 0xff, dport >> 8, dport & 0xff, 0, sizeof(u) };

	memset(u + 8, 0x5a, 16);
	pkt_ip6(p, src, dst, IPPROTO_UDP, u, sizeof(u));
}

void pkt_nd(struct pkt *p, uint8_t type, struct ip6a src, struct ip6a dst, struct ip6a target,
	    const uint8_t *lladdr)
{
	uint8_t m[24 + 8] = { type };

	if (type == 136)
		m[4] = 0x60;	/* solicited, override */
	memcpy(m + 8, target.a, 16);
	if (lladdr) {
		m[24] = type == 135 ? 1 : 2;
		m[25] = 1;
		memcpy(m + 26, lladdr, 6);
	}
	pkt_ip6(p, src, dst, IPPROTO_ICMPV6, m, lladdr ? 32 : 24);
}
