/* SPDX-License-Identifier: GPL-2.0-only */
/* Published ports: a connection from outside to a published port of an uplink's address is
 * made here as a pair of connection halves, then translated by the masquerade's own DNAT,
 * SNAT and ICMP-error code like any other (replies, errors, GC, `nat ct`). */
#ifndef SL_NAT_PUBLISH_H
#define SL_NAT_PUBLISH_H

#include "nat.h"
#include "sluice_nat_pub.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SL_NAT_PUB_MAX);
	__type(key, struct sl_nat_pub_key);
	__type(value, struct sl_nat_pub);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_nat_pub SEC(".maps");

/* P to external address P->daddr opens a connection to published port PUB: make it (REPLY
 * half: remote -> external port says where it goes; ORIG half: the container's answers,
 * flagged opened-from-outside). The caller's DNAT then translates P. */
static __always_inline void sl_nat_publish_open(const struct sl_pkt *p,
						const struct sl_nat_pub *pub,
						const struct sl_nat_cfg *cfg,
						struct sl_nat_stats *st)
{
	__u64 now = bpf_ktime_get_ns();
	struct sl_nat_ct_key ok, rk;
	int s0;

	sl_ct_key_reply(&rk, p->proto, p->saddr, p->sport, p->daddr, p->dport);
	if (bpf_map_lookup_elem(&sl_nat_ct, &rk))
		return;		/* a live connection already */
	s0 = sl_ct_initial_state(p, 0);	/* the remote opens */
	if (s0 < 0)
		return;
	{
		struct sl_nat_ct rv = { .addr = pub->to_addr, .port = pub->to_port,
					.rule = pub->rule, .expires = now };
		struct sl_nat_ct ov = { .addr = p->daddr, .port = p->dport, .state = s0,
					.flags = SL_NAT_CT_F_OPENED_IN, .rule = pub->rule,
					.born = sl_ct_born(now),
					.expires = now + sl_ct_timeout_ns(cfg, s0) };

		sl_ct_key_orig(&ok, p->proto, pub->to_addr, pub->to_port, p->saddr, p->sport);
		if (bpf_map_update_elem(&sl_nat_ct, &ok, &ov, BPF_ANY))
			return;
		if (bpf_map_update_elem(&sl_nat_ct, &rk, &rv, BPF_ANY)) {
			bpf_map_delete_elem(&sl_nat_ct, &ok);
			return;
		}
	}
	if (st)
		st->flows++;
}

/* The published port P (proto, dport) of uplink IFINDEX, if P's source may use it. */
static __always_inline const struct sl_nat_pub *sl_nat_publish_get(const struct sl_pkt *p,
								   __u32 ifindex)
{
	struct sl_nat_pub_key pk = { .ifindex = ifindex, .port = p->dport, .proto = p->proto };
	const struct sl_nat_pub *pub;

	if (p->proto != IPPROTO_TCP && p->proto != IPPROTO_UDP)
		return NULL;
	pub = bpf_map_lookup_elem(&sl_nat_pub, &pk);
	if (!pub || (p->saddr & pub->from_mask) != pub->from_addr)
		return NULL;
	return pub;
}

/* Inbound P to external address P->daddr of the uplink IFINDEX: a new connection to a
 * published port is made. */
static __always_inline void sl_nat_publish_in(const struct sl_pkt *p, __u32 ifindex,
					      const struct sl_nat_cfg *cfg,
					      struct sl_nat_stats *st)
{
	const struct sl_nat_pub *pub = sl_nat_publish_get(p, ifindex);

	if (pub)
		sl_nat_publish_open(p, pub, cfg, st);
}

#endif
