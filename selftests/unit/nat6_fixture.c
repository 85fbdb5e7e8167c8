// SPDX-License-Identifier: MIT
/* Owns the NAT66 unit tests' fixture: the IPv6 rule on the NAT fixture, IPv6 frame
 * builders for NAT66 and a from-scratch checksum verifier over the pseudo-header. */
#include <stdio.h>
#include <string.h>
#include <netinet/in.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "nat_tc.skel.h"
#include "nat6_fixture.h"

#define IP6_HLEN	40

struct nat *nat6_open(void)
{
	struct nat *n = nat_open();
	struct sl_nat_rule r = {
		.used = 1, .out_ifindex = n->uplink, .src_addr = SL_NAT6_V4_SRC,
		.src_mask = SL_NAT6_V4_MASK, .port_lo = SL_NAT_PORT_LO, .port_hi = SL_NAT_PORT_HI,
		.flags = SL_NAT_F_IPV6, .name = "m6", .out_name = "ut0",
	};
	struct sl_nat6_rule r6 = { .plen = 64 };
	struct ip6a pfx = ip6("fd00::"), ext = NAT6_EXT;
	__u32 slot = NAT6_SLOT, zero = 0;
	struct sl_nat_cfg cfg;

	memcpy(r6.src, pfx.a, 16);
	memset(r6.mask, 0xff, 8);
	memcpy(r6.ext, ext.a, 16);
	if (bpf_map_update_elem(bpf_map__fd(n->skel->maps.sl_nat6_rules), &slot, &r6, BPF_ANY) ||
	    bpf_map_update_elem(n->rules, &slot, &r, BPF_ANY) ||
	    bpf_map_lookup_elem(n->cfg, &zero, &cfg))
		runner_fail(__FILE__, __LINE__, "NAT66 rule: %s", strerror(errno));
	cfg.nrules = 2;
	if (bpf_map_update_elem(n->cfg, &zero, &cfg, BPF_ANY))
		runner_fail(__FILE__, __LINE__, "sl_nat_cfg: %s", strerror(errno));
	return n;
}

static __u32 sum16(__u32 sum, const __u8 *b, size_t len)
{
	for (; len > 1; b += 2, len -= 2)
		sum += b[0] << 8 | b[1];
	if (len)
		sum += b[0] << 8;
	return sum;
}

/* The sum over the pseudo-header of S, D, LEN, NH and LEN bytes of L4, folded. */
static __u16 fold6(const __u8 *s, const __u8 *d, const __u8 *l4, size_t len, __u8 nh)
{
	__u32 sum = sum16(sum16(0, s, 16), d, 16) + (__u32)len + nh;

	sum = sum16(sum, l4, len);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

static size_t csum_at(__u8 nh)
{
	return nh == IPPROTO_TCP ? 16 : nh == IPPROTO_UDP ? 6 : 2;
}

/* Fill the L4 checksum of the IPv6 packet at IPH (no extension headers), LEN bytes of L4. */
static void csum6_fill(__u8 *iph, size_t len)
{
	__u8 nh = iph[6], *l4 = iph + IP6_HLEN;
	size_t at = csum_at(nh);
	__u16 c;

	l4[at] = l4[at + 1] = 0;
	c = ~fold6(iph + 8, iph + 24, l4, len, nh);
	if (nh == IPPROTO_UDP && !c)
		c = 0xffff;
	l4[at] = c >> 8;
	l4[at + 1] = c;
}

static struct pkt frame(struct ip6a s, struct ip6a d, __u8 nh, const __u8 *l4, size_t len)
{
	struct pkt p;

	pkt_eth(&p, MAC_B, MAC_A);
	pkt_ip6(&p, s, d, nh, l4, len);
	if (nh == IPPROTO_TCP || nh == IPPROTO_UDP || nh == IPPROTO_ICMPV6)
		csum6_fill(p.data + p.l3, len);
	return p;
}

struct pkt pkt6_udp(struct ip6a s, __u16 sp, struct ip6a d, __u16 dp)
{
	__u8 u[8 + 21] = { sp >> 8, sp, dp >> 8, dp, 0, sizeof(u) };

	memset(u + 8, 0xa5, 21);
	return frame(s, d, IPPROTO_UDP, u, sizeof(u));
}

struct pkt pkt6_tcp(struct ip6a s, __u16 sp, struct ip6a d, __u16 dp, __u8 flags)
{
	__u8 t[20 + 10] = { sp >> 8, sp, dp >> 8, dp, 0, 0, 0x10, 0, 0, 0, 0, 1, 5 << 4, flags,
			    0xff, 0xff };

	memset(t + 20, 0x3c, 10);
	return frame(s, d, IPPROTO_TCP, t, flags & 0x02 ? 20 : sizeof(t));
}

struct pkt pkt6_echo(struct ip6a s, struct ip6a d, __u16 id, __u8 type)
{
	__u8 e[8 + 32] = { type, 0, 0, 0, id >> 8, id, 0, 1 };

	memset(e + 8, 0x61, 32);
	return frame(s, d, IPPROTO_ICMPV6, e, sizeof(e));
}

struct pkt pkt6_error(struct ip6a s, struct ip6a d, __u8 type, __u8 code, __u32 word,
		      const struct pkt *q)
{
	__u8 e[PKT_MAX] = { type, code, 0, 0, word >> 24, word >> 16, word >> 8, word };
	size_t ql = q->len - q->l3;

	memcpy(e + 8, q->data + q->l3, ql);
	return frame(s, d, IPPROTO_ICMPV6, e, 8 + ql);
}

size_t udp6_datagram(__u8 *buf, struct ip6a s, struct ip6a d, __u16 sp, __u16 dp, size_t plen)
{
	size_t len = 8 + plen;
	__u16 c;

	buf[0] = sp >> 8, buf[1] = sp, buf[2] = dp >> 8, buf[3] = dp;
	buf[4] = len >> 8, buf[5] = len, buf[6] = buf[7] = 0;
	for (size_t i = 0; i < plen; i++)
		buf[8 + i] = i * 7;
	c = ~fold6(s.a, d.a, buf, len, IPPROTO_UDP);
	buf[6] = c >> 8;
	buf[7] = c;
	return len;
}

struct pkt pkt6_frag(struct ip6a s, struct ip6a d, __u32 id, const __u8 *dgram, size_t len,
		     size_t off, size_t flen)
{
	__u8 f[PKT_MAX] = { IPPROTO_UDP, 0 };
	__u16 fo = off | (off + flen < len ? 1 : 0);
	struct pkt p;

	f[2] = fo >> 8, f[3] = fo;
	f[4] = id >> 24, f[5] = id >> 16, f[6] = id >> 8, f[7] = id;
	memcpy(f + 8, dgram + off, flen);
	pkt_eth(&p, MAC_B, MAC_A);
	pkt_ip6(&p, s, d, 44, f, 8 + flen);
	return p;
}

/* The checksum of the unfragmented IPv6 packet at IPH whose L4 has LEN bytes. */
static const char *l4_error(const __u8 *iph, size_t len, const char *what)
{
	static char why[96];
	__u8 nh = iph[6];

	if (nh != IPPROTO_TCP && nh != IPPROTO_UDP && nh != IPPROTO_ICMPV6)
		return NULL;
	if (fold6(iph + 8, iph + 24, iph + IP6_HLEN, len, nh) == 0xffff)
		return NULL;
	snprintf(why, sizeof(why), "%s checksum (proto %u) does not verify", what, nh);
	return why;
}

const char *pkt6_csum_error(const __u8 *f, size_t len)
{
	const __u8 *iph = f + 14, *q;
	size_t plen;
	const char *e;

	if (len < 14 + IP6_HLEN || f[12] != 0x86 || f[13] != 0xdd)
		return "not an IPv6 frame";
	plen = iph[4] << 8 | iph[5];
	if (14 + IP6_HLEN + plen > len)
		return "IPv6 payload length beyond the frame";
	e = l4_error(iph, plen, "outer");
	if (e || iph[6] != IPPROTO_ICMPV6 || iph[IP6_HLEN] > 4)
		return e;
	q = iph + IP6_HLEN + 8;	/* an error: its quote, whole in these tests */
	if ((size_t)(q[4] << 8 | q[5]) + IP6_HLEN + 8 > plen)
		return NULL;	/* truncated quote: its checksum cannot be verified */
	return l4_error(q, q[4] << 8 | q[5], "quoted");
}

__u16 frame6_sport(const __u8 *f)
{
	const __u8 *l4 = f + 14 + IP6_HLEN;

	return f[14 + 6] == IPPROTO_ICMPV6 ? l4[4] << 8 | l4[5] : l4[0] << 8 | l4[1];
}

__u16 frame6_dport(const __u8 *f)
{
	const __u8 *l4 = f + 14 + IP6_HLEN;

	return f[14 + 6] == IPPROTO_ICMPV6 ? l4[4] << 8 | l4[5] : l4[2] << 8 | l4[3];
}
