// SPDX-License-Identifier: MIT
/* libFuzzer harness for the NAT programs: random frames through the uplink's egress (SNAT)
 * and ingress (DNAT) hooks, rule 10.0.0.0/24 -> NAT_EXT, a few connections made afresh
 * before every input. Aborts when a frame from the subnet leaves with its private source,
 * an inbound frame is translated without a connection to back it, a frame that is not
 * translated is changed, or a checksum that arrived right leaves wrong.
 * Input: byte 0 picks the hook (bit 0: 0 egress, 1 ingress) and bit 1 asks the harness to
 * recompute the frame's IPv4 and L4 checksums first; the rest is the frame. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <netinet/in.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "nat_tc.skel.h"
#include "nat_fixture.h"
#include "fuzz.h"

#define SUBNET		ipv4(10, 0, 0, 0)
#define SUBNET_MASK	ipv4(255, 255, 255, 0)
#define L3		ETH_HLEN

static struct nat *nat;

static __u16 get16(const __u8 *b)
{
	return b[0] << 8 | b[1];
}

static void put16(__u8 *b, __u16 v)
{
	b[0] = v >> 8;
	b[1] = v;
}

static bool in_subnet(__u32 addr)
{
	return (addr & SUBNET_MASK) == SUBNET;
}

/* An IPv4 header at L3 of a frame, read by the RFCs rather than by the program. */
struct ip4 {
	size_t l3, ihl, tot, end;	/* end: where the packet ends in the frame */
	__u32 saddr, daddr;		/* network order */
	__u16 id, frag;			/* frag: host order, MF and offset */
	__u8 proto;
};

/* False unless version 4 with IHL >= 5 and the whole header inside LEN. QUOTE: a header
 * quoted by an ICMP error, whose total length is the original packet's. */
static bool ip4_parse(const __u8 *f, size_t len, size_t l3, bool quote, struct ip4 *ip)
{
	const __u8 *h = f + l3;

	if (l3 + 20 > len || h[0] >> 4 != 4 || (h[0] & 0xf) < 5 || l3 + (h[0] & 0xf) * 4 > len)
		return false;
	ip->l3 = l3;
	ip->ihl = (h[0] & 0xf) * 4;
	ip->tot = get16(h + 2);
	ip->end = quote || l3 + ip->tot > len ? len : l3 + ip->tot;
	memcpy(&ip->saddr, h + 12, 4);
	memcpy(&ip->daddr, h + 16, 4);
	ip->id = get16(h + 4);
	ip->frag = get16(h + 6) & 0x3fff;
	ip->proto = h[9];
	return true;
}

static bool frame_ipv4(const __u8 *f, size_t len, struct ip4 *ip)
{
	return len >= ETH_HLEN && get16(f + 12) == ETH_P_IP && ip4_parse(f, len, L3, false, ip);
}

/* Ports of the L4 header at OFF as the NAT keys them (network order): an ICMP echo
 * request's identifier is its source port, a reply's its destination port. */
static bool l4_ports(const __u8 *f, size_t end, size_t off, __u8 proto, __u16 *sport, __u16 *dport)
{
	if (off + 8 > end)
		return false;
	*sport = *dport = 0;
	if (proto == IPPROTO_TCP || proto == IPPROTO_UDP) {
		memcpy(sport, f + off, 2);
		memcpy(dport, f + off + 2, 2);
		return true;
	}
	if (proto == IPPROTO_ICMP && (f[off] == 8 || f[off] == 0)) {
		memcpy(f[off] == 8 ? sport : dport, f + off + 4, 2);
		return true;
	}
	return false;
}

static bool icmp_error(__u8 type)
{
	return type == 3 || type == 4 || type == 11 || type == 12;
}

/* RFC 1071 sum of LEN bytes, plus the TCP/UDP pseudo-header when PSEUDO. */
static __u16 csum(const struct ip4 *ip, const __u8 *seg, size_t len, bool pseudo)
{
	__u32 s = 0;

	if (pseudo) {
		s += get16((const __u8 *)&ip->saddr) + get16((const __u8 *)&ip->saddr + 2);
		s += get16((const __u8 *)&ip->daddr) + get16((const __u8 *)&ip->daddr + 2);
		s += ip->proto + len;
	}
	for (size_t i = 0; i + 1 < len; i += 2)
		s += get16(seg + i);
	if (len & 1)
		s += seg[len - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return ~s;
}

/* Make F's IPv4 header and L4 checksums right, when the frame is whole enough to have them,
 * so the checksum invariant gets frames that arrive right. */
static void csum_fix(__u8 *f, size_t len)
{
	struct ip4 ip;
	__u8 *l4;
	size_t l4len, at;
	__u16 c;

	if (!frame_ipv4(f, len, &ip))
		return;
	put16(f + L3 + 10, 0);
	put16(f + L3 + 10, csum(&ip, f + L3, ip.ihl, false));
	if (ip.frag || L3 + ip.tot > len || ip.tot < ip.ihl)
		return;
	l4 = f + L3 + ip.ihl;
	l4len = ip.tot - ip.ihl;
	at = ip.proto == IPPROTO_TCP ? 16 : ip.proto == IPPROTO_UDP ? 6 :
	     ip.proto == IPPROTO_ICMP ? 2 : 0;
	if (!at || l4len < at + 2 || (ip.proto == IPPROTO_UDP && !get16(l4 + 6)))
		return;
	put16(l4 + at, 0);
	c = csum(&ip, l4, l4len, ip.proto != IPPROTO_ICMP);
	put16(l4 + at, c == 0 && ip.proto == IPPROTO_UDP ? 0xffff : c);
}

/* The IPv4 header quoted by the ICMP error F, if F is one and quotes a whole header. */
static bool error_quote(const __u8 *f, size_t len, struct ip4 *q)
{
	struct ip4 ip;
	size_t l4;

	if (!frame_ipv4(f, len, &ip) || ip.proto != IPPROTO_ICMP || ip.frag)
		return false;
	l4 = L3 + ip.ihl;
	return l4 + 8 <= ip.end && icmp_error(f[l4]) && ip4_parse(f, ip.end, l4 + 8, true, q);
}

static void check_csum(const __u8 *in, const __u8 *out, size_t len, const char *how)
{
	struct ip4 qi, qo;
	const char *e;

	if (!pkt_csum_error(in, len)) {
		e = pkt_csum_error(out, len);
		if (e)
			runner_fail(__FILE__, __LINE__, "%s: checksum broken on the way: %s", how, e);
	}
	/* the quoted header's checksum too, which pkt_csum_error does not look into */
	if (error_quote(in, len, &qi) && error_quote(out, len, &qo) &&
	    !csum(&qi, in + qi.l3, qi.ihl, false) && csum(&qo, out + qo.l3, qo.ihl, false))
		runner_fail(__FILE__, __LINE__, "%s: quoted IPv4 header checksum broken", how);
}

static void map_clear(int fd, size_t ksize)
{
	__u8 key[64];

	while (bpf_map_get_next_key(fd, NULL, key) == 0)
		if (bpf_map_delete_elem(fd, key))
			runner_fail(__FILE__, __LINE__, "map clear: %s", strerror(errno));
}

static struct pkt udp(__u32 s, __u16 sp, __u32 d, __u16 dp)
{
	struct pkt p;

	pkt_eth(&p, MAC_B, MAC_A);
	pkt_udp4(&p, s, d, sp, dp, 21);
	return p;
}

static struct pkt tcp(__u32 s, __u16 sp, __u32 d, __u16 dp, __u8 flags)
{
	struct pkt p;

	pkt_eth(&p, MAC_B, MAC_A);
	pkt_tcp4(&p, s, d, sp, dp, 10);
	pkt_tcp_flags(&p, flags, 5);
	return p;
}

/* The same connections before every input, so that an input alone reproduces its run:
 * UDP IN1:5000 <-> REM:53 answered, TCP IN1:40000 <-> REM:80 established, ICMP echo id 77
 * from IN2, UDP IN2:6000 -> REM2:123 unanswered, and a fragmented datagram each way. */
static void flows_reset(void)
{
	static __u8 dgram[1600];
	struct pkt p;
	size_t len;

	map_clear(nat->ct, sizeof(struct sl_nat_ct_key));
	map_clear(nat->map, sizeof(struct sl_nat_map_key));
	map_clear(nat->rmap, sizeof(struct sl_nat_map_key));
	map_clear(nat->frag, sizeof(struct sl_nat_frag_key));
	p = udp(NAT_IN1, 5000, NAT_REM, 53);
	nat_out(nat, &p);
	p = udp(NAT_REM, 53, NAT_EXT, 5000);
	nat_in(nat, &p);
	p = tcp(NAT_IN1, 40000, NAT_REM, 80, 0x02);
	nat_out(nat, &p);
	p = tcp(NAT_REM, 80, NAT_EXT, 40000, 0x12);
	nat_in(nat, &p);
	p = tcp(NAT_IN1, 40000, NAT_REM, 80, 0x10);
	nat_out(nat, &p);
	pkt_eth(&p, MAC_B, MAC_A);
	pkt_icmp4_echo(&p, NAT_IN2, NAT_REM, 77, 1, 32);
	nat_out(nat, &p);
	p = udp(NAT_IN2, 6000, NAT_REM2, 123);
	nat_out(nat, &p);
	len = udp_datagram(dgram, NAT_IN1, NAT_REM, 5000, 53, 1200);
	pkt_eth(&p, MAC_B, MAC_A);
	pkt_frag(&p, NAT_IN1, NAT_REM, IPPROTO_UDP, 0x1234, dgram, len, 0, 800);
	nat_out(nat, &p);
	len = udp_datagram(dgram, NAT_REM, NAT_EXT, 53, 5000, 1200);
	pkt_eth(&p, MAC_B, MAC_A);
	pkt_frag(&p, NAT_REM, NAT_EXT, IPPROTO_UDP, 0x4321, dgram, len, 0, 800);
	nat_in(nat, &p);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	/* Own network namespace: the fixture's veth uplink stays in here. */
	fuzz_isolate();
	nat = nat_open();
	return 0;
}

/* What an inbound frame may be translated to, from the tables as they are before the run:
 * the internal address of the connection that backs it, 0 when none does. PORT: the
 * internal port too, for TCP/UDP/echo (network order), else 0. */
static __u32 inbound_backing(const __u8 *f, size_t len, __u16 *port)
{
	struct sl_nat_ct_key k = { .dir = SL_NAT_DIR_REPLY };
	struct sl_nat_ct v, o;
	struct ip4 ip, q;
	__u64 now = now_ns();

	*port = 0;
	if (!frame_ipv4(f, len, &ip))
		return 0;
	if (ip.frag & 0x1fff) {		/* a later fragment follows its first */
		struct sl_nat_frag_key fk = { .saddr = ip.saddr, .daddr = ip.daddr,
					      .id = htons(ip.id), .proto = ip.proto,
					      .dir = SL_NAT_DIR_REPLY };
		struct sl_nat_frag fv;

		return bpf_map_lookup_elem(nat->frag, &fk, &fv) ? 0 : fv.addr;
	}
	if (error_quote(f, len, &q)) {	/* an error about a packet the NAT sent out */
		__u16 qs, qd;

		if (!l4_ports(f, q.end, q.l3 + q.ihl, q.proto, &qs, &qd))
			return 0;
		k = (struct sl_nat_ct_key){ .saddr = q.daddr, .daddr = q.saddr, .sport = qd,
					    .dport = qs, .proto = q.proto, .dir = SL_NAT_DIR_REPLY };
		return bpf_map_lookup_elem(nat->ct, &k, &v) ? 0 : v.addr;
	}
	if (!l4_ports(f, ip.end, L3 + ip.ihl, ip.proto, &k.sport, &k.dport))
		return 0;
	k.saddr = ip.saddr;
	k.daddr = ip.daddr;
	k.proto = ip.proto;
	if (bpf_map_lookup_elem(nat->ct, &k, &v) == 0) {
		struct sl_nat_ct_key ok = { .saddr = v.addr, .daddr = ip.saddr, .sport = v.port,
					    .dport = k.sport, .proto = ip.proto,
					    .dir = SL_NAT_DIR_ORIG };

		if (bpf_map_lookup_elem(nat->ct, &ok, &o) == 0 && o.expires <= now)
			return 0;	/* the connection is over */
		*port = v.port;
		return v.addr;
	} else {
		/* A REPLY half the LRU evicted: the port's owner talked to this sender. */
		struct sl_nat_map_key mk = { .addr = ip.daddr, .port = k.dport, .proto = ip.proto };
		struct sl_nat_map owner;
		struct sl_nat_ct_key ok = { .daddr = ip.saddr, .dport = k.sport, .proto = ip.proto,
					    .dir = SL_NAT_DIR_ORIG };

		if (bpf_map_lookup_elem(nat->rmap, &mk, &owner))
			return 0;
		ok.saddr = owner.addr;
		ok.sport = owner.port;
		if (bpf_map_lookup_elem(nat->ct, &ok, &o) || o.expires <= now ||
		    o.addr != ip.daddr || o.port != k.dport)
			return 0;
		*port = owner.port;
		return owner.addr;
	}
}

/* False when test_run itself refuses the frame (an IPv4 frame too short for its header). */
static bool run(struct bpf_program *prog, const __u8 *f, size_t len, struct run *r)
{
	struct __sk_buff ctx = { .ifindex = nat->uplink };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = f, .data_size_in = len, .data_out = r->out,
		    .data_size_out = sizeof(r->out), .ctx_in = &ctx, .ctx_size_in = sizeof(ctx));

	if (bpf_prog_test_run_opts(bpf_program__fd(prog), &o))
		return false;
	r->ret = o.retval;
	r->len = o.data_size_out;
	if (r->ret != TC_ACT_UNSPEC && r->ret != TC_ACT_SHOT)
		runner_fail(__FILE__, __LINE__, "verdict %d", r->ret);
	if (r->len != len)
		runner_fail(__FILE__, __LINE__, "frame of %zu bytes left with %u", len, r->len);
	return true;
}

static void run_egress(const __u8 *f, size_t len)
{
	static struct run r;
	struct ip4 in, out;

	if (!run(nat->skel->progs.sl_nat_egress, f, len, &r) || r.ret == TC_ACT_SHOT)
		return;
	if (!frame_ipv4(f, len, &in) || !in_subnet(in.saddr) || in_subnet(in.daddr)) {
		if (memcmp(r.out, f, len))
			runner_fail(__FILE__, __LINE__, "egress changed a frame that is not its to "
				    "translate");
		return;
	}
	if (!frame_ipv4(r.out, len, &out) || out.saddr != NAT_EXT)
		runner_fail(__FILE__, __LINE__, "a frame from the masqueraded subnet left with "
			    "source %08x", ntohl(out.saddr));
	check_csum(f, r.out, len, "egress");
}

static void run_ingress(const __u8 *f, size_t len)
{
	static struct run r;
	struct ip4 in, out;
	__u16 want_port;
	__u32 want = inbound_backing(f, len, &want_port);
	size_t at;

	if (!run(nat->skel->progs.sl_nat_ingress, f, len, &r) || r.ret == TC_ACT_SHOT ||
	    !memcmp(r.out, f, len))
		return;
	if (!frame_ipv4(f, len, &in) || !frame_ipv4(r.out, len, &out) || out.daddr == in.daddr)
		runner_fail(__FILE__, __LINE__, "ingress changed a frame without translating it");
	if (!want)
		runner_fail(__FILE__, __LINE__, "unsolicited inbound translated to %08x",
			    ntohl(out.daddr));
	if (out.daddr != want)
		runner_fail(__FILE__, __LINE__, "inbound translated to %08x, its connection "
			    "says %08x", ntohl(out.daddr), ntohl(want));
	/* TCP/UDP: the destination port; an echo reply: its identifier */
	at = L3 + out.ihl + (out.proto == IPPROTO_ICMP ? 4 : 2);
	if (want_port && memcmp(r.out + at, &want_port, 2))
		runner_fail(__FILE__, __LINE__, "inbound translated to port %u, its connection "
			    "says %u", get16(r.out + at), ntohs(want_port));
	check_csum(f, r.out, len, "ingress");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static __u8 frame[PKT_MAX];
	size_t len = size - 1;

	if (size < 1 + ETH_HLEN || len > sizeof(frame))
		return 0;	/* test_run needs an Ethernet header */
	memcpy(frame, data + 1, len);
	if (data[0] & 2)
		csum_fix(frame, len);
	flows_reset();
	if (data[0] & 1)
		run_ingress(frame, len);
	else
		run_egress(frame, len);
	return 0;
}
