// SPDX-License-Identifier: MIT
/* Owns the NAT unit tests' fixture: the NAT skeleton on small unpinned maps, its rule and
 * tables, runs through the uplink hooks, and the NAT-specific packet builders. */
#include <stdio.h>
#include <stdlib.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <netinet/in.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "nat_tc.skel.h"
#include "switch_tc.skel.h"
#include "nat_fixture.h"

#define L3	ETH_HLEN
#define L4	(ETH_HLEN + 20)

static void put16(__u8 *b, __u16 v)
{
	b[0] = v >> 8;
	b[1] = v;
}

static __u16 get16(const __u8 *b)
{
	return b[0] << 8 | b[1];
}

static void nat_close(void *arg)
{
	struct nat *n = arg;

	nat_tc__destroy(n->skel);
	free(n);
}

static void rule_put(struct nat *n, const struct sl_nat_rule *r)
{
	__u32 slot = 0;

	if (bpf_map_update_elem(n->rules, &slot, r, BPF_ANY))
		runner_fail(__FILE__, __LINE__, "sl_nat_rules: %s", strerror(errno));
}

struct nat *nat_open(void)
{
	return nat_open_sw(NULL);
}

struct nat *nat_open_sw(struct sw *sw)
{
	const __u32 defaults[SL_NAT_ST_MAX] = SL_NAT_TIMEOUT_DEFAULTS;
	struct sl_nat_cfg cfg = { .nrules = 1, .seed = 12345 };
	struct nat *n = calloc(1, sizeof(*n));
	struct sl_nat_rule r = {
		.used = 1, .src_addr = ipv4(10, 0, 0, 0), .src_mask = ipv4(255, 255, 255, 0),
		.ext_addr = NAT_EXT, .port_lo = SL_NAT_PORT_LO, .port_hi = SL_NAT_PORT_HI,
		.flags = 0, .name = "m0", .out_name = "ut0",
	};
	struct bpf_map *m;
	__u32 zero = 0;

	if (!n)
		runner_fail(__FILE__, __LINE__, "out of memory");
	n->uplink = sw_ifindex(0);
	runner_defer(nat_close, n);
	n->skel = nat_tc__open();
	if (!n->skel)
		runner_fail(__FILE__, __LINE__, "nat_tc__open: %s", strerror(errno));
	bpf_object__for_each_map(m, n->skel->obj) {
		struct bpf_map *sm = sw ? bpf_object__find_map_by_name(sw->tc->obj,
								       bpf_map__name(m)) : NULL;

		bpf_map__set_pin_path(m, NULL);
		if (sm && bpf_map__reuse_fd(m, bpf_map__fd(sm)))	/* the switch's ports, FDB */
			runner_fail(__FILE__, __LINE__, "share map %s", bpf_map__name(m));
	}
	bpf_map__set_max_entries(n->skel->maps.sl_nat_ct, 2 * NAT_FLOWS);
	bpf_map__set_max_entries(n->skel->maps.sl_nat_map, NAT_FLOWS);
	bpf_map__set_max_entries(n->skel->maps.sl_nat_rmap, NAT_FLOWS);
	bpf_map__set_max_entries(n->skel->maps.sl_nat6_ct, 2 * NAT_FLOWS);	/* nat66 */
	bpf_map__set_max_entries(n->skel->maps.sl_nat6_map, NAT_FLOWS);
	bpf_map__set_max_entries(n->skel->maps.sl_nat6_rmap, NAT_FLOWS);
	if (nat_tc__load(n->skel))
		runner_fail(__FILE__, __LINE__, "nat_tc__load: %s (-v for the log)", strerror(errno));
	n->rules = bpf_map__fd(n->skel->maps.sl_nat_rules);
	n->cfg = bpf_map__fd(n->skel->maps.sl_nat_cfg);
	n->ct = bpf_map__fd(n->skel->maps.sl_nat_ct);
	n->map = bpf_map__fd(n->skel->maps.sl_nat_map);
	n->rmap = bpf_map__fd(n->skel->maps.sl_nat_rmap);
	n->frag = bpf_map__fd(n->skel->maps.sl_nat_frag);
	n->stats = bpf_map__fd(n->skel->maps.sl_nat_stats);
	n->local = bpf_map__fd(n->skel->maps.sl_nat_local);
	memcpy(cfg.timeout, defaults, sizeof(defaults));
	r.out_ifindex = n->uplink;
	rule_put(n, &r);
	if (bpf_map_update_elem(n->cfg, &zero, &cfg, BPF_ANY))
		runner_fail(__FILE__, __LINE__, "sl_nat_cfg: %s", strerror(errno));
	return n;
}

void nat_rule_ports(struct nat *n, __u16 lo, __u16 hi, __u32 flags)
{
	struct sl_nat_rule r;
	__u32 slot = 0;

	if (bpf_map_lookup_elem(n->rules, &slot, &r))
		runner_fail(__FILE__, __LINE__, "sl_nat_rules: %s", strerror(errno));
	r.port_lo = lo;
	r.port_hi = hi;
	r.flags = flags;
	rule_put(n, &r);
}

void nat_timeout(struct nat *n, enum sl_nat_state st, __u32 seconds)
{
	struct sl_nat_cfg cfg;
	__u32 zero = 0;

	if (bpf_map_lookup_elem(n->cfg, &zero, &cfg))
		runner_fail(__FILE__, __LINE__, "sl_nat_cfg: %s", strerror(errno));
	cfg.timeout[st] = seconds;
	if (bpf_map_update_elem(n->cfg, &zero, &cfg, BPF_ANY))
		runner_fail(__FILE__, __LINE__, "sl_nat_cfg: %s", strerror(errno));
}

void nat_local_add(struct nat *n, __u32 addr, __u32 plen)
{
	struct sl_nat_local_key k = { .prefixlen = plen, .addr = addr };
	struct sl_nat_local v = { .switch_id = 1, .vid = 1 };

	if (bpf_map_update_elem(n->local, &k, &v, BPF_ANY))
		runner_fail(__FILE__, __LINE__, "sl_nat_local: %s", strerror(errno));
}

static struct run nat_run(struct nat *n, struct bpf_program *prog, const struct pkt *p)
{
	return run_skb(prog, n->uplink, p);
}

struct run nat_out(struct nat *n, const struct pkt *p)
{
	return nat_run(n, n->skel->progs.sl_nat_egress, p);
}

struct run nat_in(struct nat *n, const struct pkt *p)
{
	return nat_run(n, n->skel->progs.sl_nat_ingress, p);
}

struct sl_nat_stats nat_stats(struct nat *n)
{
	struct sl_nat_stats sum;

	if (percpu_sum(n->stats, 0, &sum, sizeof(sum)))
		runner_fail(__FILE__, __LINE__, "sl_nat_stats: %s", strerror(errno));
	return sum;
}

static struct sl_nat_ct_key ct_key(__u8 proto, __u8 dir, __u32 saddr, __u16 sport, __u32 daddr,
				   __u16 dport)
{
	return (struct sl_nat_ct_key){ .saddr = saddr, .daddr = daddr, .sport = htons(sport),
				       .dport = htons(dport), .proto = proto, .dir = dir };
}

bool nat_ct_orig(struct nat *n, __u8 proto, __u32 saddr, __u16 sport, __u32 daddr, __u16 dport,
		 struct sl_nat_ct *v)
{
	struct sl_nat_ct_key k = ct_key(proto, SL_NAT_DIR_ORIG, saddr, sport, daddr, dport);

	return bpf_map_lookup_elem(n->ct, &k, v) == 0;
}

bool nat_ct_reply(struct nat *n, __u8 proto, __u32 saddr, __u16 sport, __u32 daddr, __u16 dport,
		  struct sl_nat_ct *v)
{
	struct sl_nat_ct_key k = ct_key(proto, SL_NAT_DIR_REPLY, saddr, sport, daddr, dport);

	return bpf_map_lookup_elem(n->ct, &k, v) == 0;
}

void nat_ct_put_orig(struct nat *n, __u8 proto, __u32 saddr, __u16 sport, __u32 daddr,
		     __u16 dport, const struct sl_nat_ct *v)
{
	struct sl_nat_ct_key k = ct_key(proto, SL_NAT_DIR_ORIG, saddr, sport, daddr, dport);

	if (bpf_map_update_elem(n->ct, &k, v, BPF_ANY))
		runner_fail(__FILE__, __LINE__, "sl_nat_ct: %s", strerror(errno));
}

void nat_ct_del(struct nat *n, __u8 proto, __u8 dir, __u32 saddr, __u16 sport, __u32 daddr,
		__u16 dport)
{
	struct sl_nat_ct_key k = ct_key(proto, dir, saddr, sport, daddr, dport);

	if (bpf_map_delete_elem(n->ct, &k))
		runner_fail(__FILE__, __LINE__, "sl_nat_ct delete: %s", strerror(errno));
}

void nat_check_drops(struct nat *n, enum sl_nat_drop why, __u64 count, const char *file, int line)
{
	static const char *const names[] = SL_NAT_DROP_NAMES;
	struct sl_nat_stats s = nat_stats(n);

	drops_check(s.drops, names, SL_NAT_DROP_MAX, why, count, "NAT", file, line);
}

__u32 frame_saddr(const __u8 *f)
{
	__u32 a;

	memcpy(&a, f + L3 + 12, 4);
	return a;
}

__u32 frame_daddr(const __u8 *f)
{
	__u32 a;

	memcpy(&a, f + L3 + 16, 4);
	return a;
}

__u16 frame_sport(const __u8 *f)
{
	return get16(f + L4 + (f[L3 + 9] == IPPROTO_ICMP ? 4 : 0));
}

__u16 frame_dport(const __u8 *f)
{
	return get16(f + L4 + (f[L3 + 9] == IPPROTO_ICMP ? 4 : 2));
}

/* Checksum of L4 segment SEG (LEN bytes) under the pseudo-header of addresses S, D. */
static __u16 l4_csum(__u32 s, __u32 d, __u8 proto, const __u8 *seg, size_t len, size_t csum_off)
{
	static __u8 buf[12 + 65536];
	__u16 c;

	memcpy(buf, &s, 4);
	memcpy(buf + 4, &d, 4);
	buf[8] = 0;
	buf[9] = proto;
	put16(buf + 10, len);
	memcpy(buf + 12, seg, len);
	put16(buf + 12 + csum_off, 0);
	if (proto == IPPROTO_ICMP)
		return pkt_csum16(buf + 12, len);
	c = pkt_csum16(buf, 12 + len);
	return c == 0 && proto == IPPROTO_UDP ? 0xffff : c;
}

void pkt_refresh_csums(struct pkt *p)
{
	__u8 *ip = p->data + L3, *l4 = p->data + L4;
	size_t len = get16(ip + 2) - 20;
	__u32 s = frame_saddr(p->data), d = frame_daddr(p->data);

	put16(ip + 10, 0);
	put16(ip + 10, pkt_csum16(ip, 20));
	if (ip[9] == IPPROTO_TCP)
		put16(l4 + 16, l4_csum(s, d, IPPROTO_TCP, l4, len, 16));
	else if (ip[9] == IPPROTO_UDP && get16(l4 + 6))
		put16(l4 + 6, l4_csum(s, d, IPPROTO_UDP, l4, len, 6));
	else if (ip[9] == IPPROTO_ICMP)
		put16(l4 + 2, l4_csum(s, d, IPPROTO_ICMP, l4, len, 2));
}

void pkt_tcp_flags(struct pkt *p, __u8 flags, __u8 doff)
{
	p->data[L4 + 12] = doff << 4;
	p->data[L4 + 13] = flags;
	pkt_refresh_csums(p);
}

/* IPv4 header at L3 for a payload of LEN bytes. */
static __u8 *ip_header(struct pkt *p, __u32 saddr, __u32 daddr, __u8 proto, __u16 id,
		       __u16 frag, size_t len)
{
	__u8 *ip = p->data + L3;

	if (L4 + len > PKT_MAX)
		runner_fail(__FILE__, __LINE__, "frame longer than %d bytes", PKT_MAX);
	put16(p->data + 12, ETH_P_IP);
	memset(ip, 0, 20);
	ip[0] = 0x45;
	put16(ip + 2, 20 + len);
	put16(ip + 4, id);
	put16(ip + 6, frag);
	ip[8] = 64;
	ip[9] = proto;
	memcpy(ip + 12, &saddr, 4);
	memcpy(ip + 16, &daddr, 4);
	put16(ip + 10, pkt_csum16(ip, 20));
	p->l3 = L3;
	p->len = L4 + len;
	return p->data + L4;
}

void pkt_icmp_error(struct pkt *p, __u32 saddr, __u32 daddr, __u8 type, __u8 code, __u32 word,
		    const struct pkt *q, size_t quote)
{
	__u8 *icmp;

	if (quote > q->len - q->l3)
		quote = q->len - q->l3;
	icmp = ip_header(p, saddr, daddr, IPPROTO_ICMP, 0x4242, 0, 8 + quote);
	icmp[0] = type;
	icmp[1] = code;
	put16(icmp + 2, 0);
	word = htonl(word);
	memcpy(icmp + 4, &word, 4);
	memcpy(icmp + 8, q->data + q->l3, quote);
	put16(icmp + 2, pkt_csum16(icmp, 8 + quote));
}

void pkt_frag(struct pkt *p, __u32 saddr, __u32 daddr, __u8 proto, __u16 id, const __u8 *data,
	      size_t len, size_t off, size_t frag_len)
{
	int last = off + frag_len >= len;
	__u8 *l4 = ip_header(p, saddr, daddr, proto, id, (last ? 0 : 0x2000) | off / 8, frag_len);

	memcpy(l4, data + off, frag_len);
}

size_t udp_datagram(__u8 *buf, __u32 saddr, __u32 daddr, __u16 sport, __u16 dport,
		    size_t payload_len)
{
	size_t len = 8 + payload_len;

	put16(buf, sport);
	put16(buf + 2, dport);
	put16(buf + 4, len);
	for (size_t i = 0; i < payload_len; i++)
		buf[8 + i] = i * 7 + 1;
	put16(buf + 6, l4_csum(saddr, daddr, IPPROTO_UDP, buf, len, 6));
	return len;
}

struct pkt nat_pkt_udp(__u32 s, __u16 sp, __u32 d, __u16 dp)
{
	struct pkt p;

	pkt_eth(&p, MAC_B, MAC_A);
	pkt_udp4(&p, s, d, sp, dp, 21);
	return p;
}

struct pkt nat_pkt_tcp(__u32 s, __u16 sp, __u32 d, __u16 dp, __u8 flags)
{
	struct pkt p;

	pkt_eth(&p, MAC_B, MAC_A);
	pkt_tcp4(&p, s, d, sp, dp, 0);
	pkt_tcp_flags(&p, flags, 5);
	return p;
}
