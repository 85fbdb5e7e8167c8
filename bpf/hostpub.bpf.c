// SPDX-License-Identifier: GPL-2.0-only
/* The host's own connections to a published port (`sluice nat publish host-cgroup`): a
 * connect or sendto from the managed host netns to (a NAT rule's uplink address | 127/8) :
 * (published port) goes to the container instead, as Docker's userland proxy would carry
 * it, read from the same sl_nat_pub map as the uplink's DNAT. getpeername and a UDP answer's
 * source show the address the program asked for. Runs at connect/sendmsg time, once per
 * connection (TCP, connected UDP) or per datagram (unconnected UDP), never per packet. */
#include <stdbool.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "lib/nat_publish.h"
#include "sluice_hostpub.h"
#include "sluice_nat6.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sl_hostpub_cfg);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_hostpub_cfg SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, SL_HOSTPUB_REV_MAX);
	__type(key, struct sl_hostpub_rev_key);
	__type(value, struct sl_hostpub_rev);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_hostpub_rev SEC(".maps");

/* A socket of the managed host netns: a cgroup holds processes of every netns (containers
 * too when it is the root cgroup), and their 127.0.0.1 is their own. */
static __always_inline bool sl_hp_host_sock(struct bpf_sock_addr *ctx)
{
	__u32 zero = 0;
	const struct sl_hostpub_cfg *cfg = bpf_map_lookup_elem(&sl_hostpub_cfg, &zero);

	return cfg && cfg->netns_cookie && bpf_get_netns_cookie(ctx) == cfg->netns_cookie;
}

/* The published port DADDR:DPORT/PROTO names, or NULL: DADDR is the address of some rule's
 * uplink (or loopback: any rule's), and the publish lets that address in as a source (the
 * host's own source is the uplink address, or loopback). */
static __always_inline const struct sl_nat_pub *sl_hp_find(__be32 daddr, __be16 dport,
							   __u8 proto)
{
	bool loop = (bpf_ntohl(daddr) >> 24) == 127;

	for (__u32 i = 0; i < SL_NAT_RULES_MAX; i++) {
		__u32 key = i;	/* a copy: see sl_nat_rule_out (6.1's loop check) */
		const struct sl_nat_rule *r = bpf_map_lookup_elem(&sl_nat_rules, &key);
		struct sl_nat_pub_key pk = { .port = dport, .proto = proto };
		const struct sl_nat_pub *pub;

		if (!r || !r->used || (r->flags & SL_NAT_F_IPV6) || (!loop && r->ext_addr != daddr))
			continue;
		pk.ifindex = r->out_ifindex;
		pub = bpf_map_lookup_elem(&sl_nat_pub, &pk);
		if (pub && (daddr & pub->from_mask) == pub->from_addr)
			return pub;
	}
	return NULL;
}

static __always_inline void sl_hp_rewrite(struct bpf_sock_addr *ctx, __u8 proto)
{
	struct sl_hostpub_rev_key rk = {};
	struct sl_hostpub_rev rv = {};
	const struct sl_nat_pub *pub;

	if (!sl_hp_host_sock(ctx))
		return;
	rv.addr = ctx->user_ip4;
	rv.port = (__be16)ctx->user_port;
	pub = sl_hp_find(rv.addr, rv.port, proto);
	if (!pub)
		return;		/* not published: the host's own port, untouched */
	rk.cookie = bpf_get_socket_cookie(ctx);
	rk.addr = pub->to_addr;
	rk.port = pub->to_port;
	/* Remembered first: a full LRU table forgets an idle socket's entry, never this one. */
	bpf_map_update_elem(&sl_hostpub_rev, &rk, &rv, BPF_ANY);
	ctx->user_ip4 = pub->to_addr;
	ctx->user_port = (__u32)pub->to_port;
}

/* The container's address as the peer of a rewritten socket -> what the program asked for. */
static __always_inline void sl_hp_reverse(struct bpf_sock_addr *ctx)
{
	struct sl_hostpub_rev_key rk = {};
	const struct sl_hostpub_rev *rv;

	if (!sl_hp_host_sock(ctx))
		return;
	rk.cookie = bpf_get_socket_cookie(ctx);
	rk.addr = ctx->user_ip4;
	rk.port = (__be16)ctx->user_port;
	rv = bpf_map_lookup_elem(&sl_hostpub_rev, &rk);
	if (!rv)
		return;
	ctx->user_ip4 = rv->addr;
	ctx->user_port = (__u32)rv->port;
}

SEC("cgroup/connect4")
int sl_hp_connect4(struct bpf_sock_addr *ctx)
{
	if (ctx->protocol == IPPROTO_TCP || ctx->protocol == IPPROTO_UDP)
		sl_hp_rewrite(ctx, ctx->protocol);
	return 1;
}

SEC("cgroup/sendmsg4")
int sl_hp_sendmsg4(struct bpf_sock_addr *ctx)
{
	sl_hp_rewrite(ctx, IPPROTO_UDP);
	return 1;
}

SEC("cgroup/recvmsg4")
int sl_hp_recvmsg4(struct bpf_sock_addr *ctx)
{
	sl_hp_reverse(ctx);
	return 1;
}

SEC("cgroup/getpeername4")
int sl_hp_getpeer4(struct bpf_sock_addr *ctx)
{
	sl_hp_reverse(ctx);
	return 1;
}

char LICENSE[] SEC("license") = "GPL";
