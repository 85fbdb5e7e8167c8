// SPDX-License-Identifier: MIT
/* libFuzzer harness for the programs at the switch's edges: macvlan endpoint hooks, the LAN
 * hook of a macvlan parent and the offloadable XDP filter, each against the rules of docs/.
 * Input: byte 0 bits 0-1 pick the program (0 endpoint egress, 1 endpoint ingress, 2 LAN
 * hook, 3 offload filter), bits 2.. the endpoint/port configuration (LAN: bit 2 egress,
 * bit 3 a parent without sl_lan entry); the rest is the frame. Every run must end in a
 * documented verdict, count a drop exactly once under the reason the docs give, and leave
 * the frame's bytes as documented. A tag the endpoint pushes is skb metadata test_run does
 * not return (the unit tests see it on a veth): here a passed frame must come back with
 * its data tag removed and nothing else changed. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "endpoint_tc.skel.h"
#include "lan_tc.skel.h"
#include "offload.skel.h"
#include "mv_fixture.h"
#include "fuzz.h"

/* Endpoint N stands in for veth N (slot N + 1); the last one has no port record. */
#define EP_CONFS	6
#define EP_BARE		(EP_CONFS - 1)

/* The LAN switch (as in test_macvlan.c): LANP the host macvlan port on PARENT, CTR and
 * CTR2 container ports, FOREIGN a port of switch 2, OTHER a device that is no port. */
enum { LANP, CTR, CTR2, FOREIGN, OTHER, PARENT };

static struct sw *ep_sw, *lan_sw;
static struct ep *ep[EP_CONFS];
static struct sl_port ep_port[EP_CONFS];	/* as installed; EP_BARE: none (zero) */
static struct lan *lan;
static struct offload *off;

static const char *const drop_names[] = SL_DROP_NAMES;

static void endpoints_setup(void)
{
	ep[0] = ENDPOINT(ep_sw, 0, .pvid = 10, .flags = SL_PORT_F_SPOOFCHK, .mac = MAC_A,
			 .ip = IP_A);
	ep[1] = ENDPOINT(ep_sw, 1, .pvid = 1);
	ep[2] = ENDPOINT(ep_sw, 2, .mode = SL_MODE_TRUNK, .pvid = 1, .vids = { 1, 10, 20 });
	ep[3] = ENDPOINT(ep_sw, 3, .mode = SL_MODE_TRUNK, .vids = { 10, 4094 });
	ep[4] = ENDPOINT(ep_sw, 4, .mode = SL_MODE_TRUNK, .pvid = 20, .vids = { 20, 30 },
			 .flags = SL_PORT_F_SPOOFCHK, .mac = MAC_B);
	ep[EP_BARE] = mv_endpoint_bare(ep_sw, EP_BARE, SL_EP_KEY(EP_BARE + 1));
	for (int n = 0; n < EP_BARE; n++)
		if (bpf_map_lookup_elem(ep_sw->ports, &ep[n]->key, &ep_port[n]))
			runner_fail(__FILE__, __LINE__, "read back endpoint %d", n);
}

/* MACs A, B, C in VLANs 10 and 20 on every kind of destination the hook can meet. */
static void lan_setup(void)
{
	lan = mv_lan_open(lan_sw);
	PORT(lan_sw, LANP, .mode = SL_MODE_TRUNK, .pvid = 10, .vids = { 20 },
	     .flags = SL_PORT_F_LAN, .tc_only = true);
	PORT(lan_sw, CTR, .pvid = 10);
	PORT(lan_sw, CTR2, .mode = SL_MODE_TRUNK, .pvid = 10, .vids = { 20, 40 });
	PORT(lan_sw, FOREIGN, .switch_id = 2, .pvid = 10);
	mv_lan_add(lan, PARENT, LANP);
	sw_fdb_add(lan_sw, 1, 10, MAC_B, CTR);
	sw_fdb_add(lan_sw, 1, 10, MAC_A, CTR2);
	sw_fdb_add(lan_sw, 1, 10, MAC_C, LANP);
	sw_fdb_add(lan_sw, 1, 10, MAC_BCAST, CTR);
	sw_fdb_add(lan_sw, 1, 20, MAC_B, CTR2);
	sw_fdb_add(lan_sw, 1, 20, MAC_C, FOREIGN);	/* stale: a port of another switch */
	sw_fdb_add(lan_sw, 1, 20, MAC_A, OTHER);	/* stale: a device that is no port */
	sw_fdb_add(lan_sw, 1, 40, MAC_B, CTR2);		/* a VLAN the LAN port is not in */
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	/* Own network namespace: the fixture's veths stay in here. */
	fuzz_isolate();
	/* Two switches on separate maps: endpoints need veths that are no switch port. */
	ep_sw = sw_open();
	lan_sw = sw_open();
	endpoints_setup();
	lan_setup();
	off = offload__open_and_load();
	if (!off)
		runner_fail(__FILE__, __LINE__, "load offload.bpf.o: %s", strerror(errno));
	return 0;
}

static __u16 get16(const __u8 *b)
{
	return b[0] << 8 | b[1];
}

static __u32 get32n(const __u8 *b)	/* network order, as sl_port.ip */
{
	__u32 v;

	memcpy(&v, b, sizeof(v));
	return v;
}

static bool is_tpid(__u16 type)
{
	return type == ETH_P_8021Q || type == ETH_P_8021AD;
}

static bool trunk_allows(const struct sl_port *p, __u16 vid)
{
	return p->mode == SL_MODE_TRUNK && (p->vids[vid / 64] >> (vid % 64) & 1);
}

enum { CHK_SRC_MCAST = 1, CHK_SPOOF = 2 };

/* Why P refuses frame F arriving from its container (docs: runt, multicast source, VLAN
 * rules, anti-spoofing of MAC, IPv4 source and ARP sender), or -1 and its VLAN in *VID. */
static int admit_why(const struct sl_port *p, const __u8 *f, size_t len, int checks, __u16 *vid)
{
	__u16 type = get16(f + 12), tci = 0, proto = type, v;
	size_t l3 = ETH_HLEN;
	bool tagged = is_tpid(type);

	if (!p->switch_id)
		return SL_DROP_NO_SWITCH;
	if (tagged) {
		if (len < ETH_HLEN + 4)
			return SL_DROP_RUNT;
		tci = get16(f + 14);
		proto = get16(f + 16);
		l3 += 4;
	}
	if ((checks & CHK_SRC_MCAST) && (f[6] & 1))
		return SL_DROP_SRC_MCAST;
	v = tci & 0xfff;
	if (tagged && (type == ETH_P_8021AD || is_tpid(proto)))
		return SL_DROP_VLAN_QINQ;
	if (tagged && v == 0xfff)
		return SL_DROP_VLAN_INVALID;
	if (!tagged || !v) {	/* a priority tag is untagged */
		if (!p->pvid)
			return SL_DROP_VLAN_UNTAGGED;
		v = p->pvid;
	} else if (p->mode != SL_MODE_TRUNK) {
		return SL_DROP_VLAN_TAGGED_ON_ACCESS;
	} else if (!trunk_allows(p, v)) {
		return SL_DROP_VLAN_NOT_ALLOWED;
	}
	*vid = v;
	if (!(checks & CHK_SPOOF) || !(p->flags & SL_PORT_F_SPOOFCHK))
		return -1;
	if (memcmp(f + 6, p->mac, ETH_ALEN))
		return SL_DROP_SPOOF_MAC;
	if (proto == ETH_P_ARP && len >= l3 + 18) {	/* up to the sender's address */
		__u32 sip = get32n(f + l3 + 14);

		if (memcmp(f + l3 + 8, p->mac, ETH_ALEN))
			return SL_DROP_SPOOF_MAC;
		if (p->ip && sip && sip != p->ip)
			return SL_DROP_SPOOF_IP;
	} else if (proto == ETH_P_IP && p->ip && len >= l3 + 20) {
		__u32 saddr = get32n(f + l3 + 12);

		if (saddr && saddr != p->ip)
			return SL_DROP_SPOOF_IP;
	}
	return -1;
}

/* Why endpoint P refuses a frame from the wire (VLAN 1 untagged there, others tagged),
 * or -1. */
static int ep_ingress_why(const struct sl_port *p, const __u8 *f, size_t len)
{
	__u16 type = get16(f + 12), v;

	if (!p->switch_id)
		return SL_DROP_NO_SWITCH;
	if (!is_tpid(type))
		v = SL_LAN_NATIVE_VID;
	else if (len < ETH_HLEN + 4)
		return SL_DROP_RUNT;
	else if (type == ETH_P_8021AD || is_tpid(get16(f + 16)))
		return SL_DROP_VLAN_QINQ;
	else if ((v = get16(f + 14) & 0xfff) == 0xfff)
		return SL_DROP_VLAN_INVALID;
	else if (!v)
		v = SL_LAN_NATIVE_VID;
	if (p->pvid != v && !trunk_allows(p, v))
		return SL_DROP_VLAN_NOT_ALLOWED;
	return -1;
}

/* AFTER - BEFORE must be exactly WANT (a delta), field by field. */
static void check_counted(const char *how, const struct sl_port_stats *before,
			  const struct sl_port_stats *after, const struct sl_port_stats *want)
{
	static const char *const fields[] = { "rx_packets", "rx_bytes", "tx_packets", "tx_bytes",
					      "learned", "learn_failed", "flooded", "xdp_pass" };
	const __u64 *b = (const __u64 *)before, *a = (const __u64 *)after;
	const __u64 *w = (const __u64 *)want;

	_Static_assert(offsetof(struct sl_port_stats, drops) == sizeof(fields) / sizeof(fields[0]) *
		       sizeof(__u64), "name the counters of struct sl_port_stats");
	for (size_t i = 0; i < sizeof(*want) / sizeof(__u64); i++) {
		size_t d = i - sizeof(fields) / sizeof(fields[0]);

		if (a[i] - b[i] != w[i])
			runner_fail(__FILE__, __LINE__, "%s: counter %s moved by %llu, expected %llu",
				    how, i < sizeof(fields) / sizeof(fields[0]) ? fields[i] :
				    drop_names[d], (unsigned long long)(a[i] - b[i]),
				    (unsigned long long)w[i]);
	}
}

/* Exactly one drop per SHOT, under the reason the docs give for it. */
static void check_drop(const char *how, int shot, int why, const struct sl_port_stats *before,
		       const struct sl_port_stats *after, struct sl_port_stats *want)
{
	__u64 drops = 0;

	for (int d = 0; d < SL_DROP_MAX; d++)
		drops += after->drops[d] - before->drops[d];
	if (drops != (shot ? 1 : 0))
		runner_fail(__FILE__, __LINE__, "%s: %s frame counted %llu drops", how,
			    shot ? "dropped" : "passed", (unsigned long long)drops);
	if (shot != (why >= 0))
		runner_fail(__FILE__, __LINE__, "%s: %s, docs say %s", how,
			    shot ? "dropped" : "passed", why >= 0 ? drop_names[why] : "pass");
	if (shot)
		want->drops[why] = 1;
	check_counted(how, before, after, want);
}

/* A frame an endpoint passes comes back as it was, less the tag in its data (test_run
 * cannot show the tag the program keeps as metadata). */
static void check_untagged_copy(const char *how, const __u8 *in, size_t len,
				const __u8 *out, size_t out_len)
{
	size_t tag = is_tpid(get16(in + 12)) ? 4 : 0;

	if (out_len != len - tag || memcmp(out, in, 12) ||
	    memcmp(out + 12, in + 12 + tag, len - 12 - tag))
		runner_fail(__FILE__, __LINE__, "%s: passed frame changed beyond its tag "
			    "(%zu bytes in, %zu out)", how, len, out_len);
}

static void run_endpoint(int n, bool egress, const __u8 *f, size_t len)
{
	const char *how = egress ? "endpoint egress" : "endpoint ingress";
	struct bpf_program *prog = egress ? ep[n]->skel->progs.sl_ep_egress :
					    ep[n]->skel->progs.sl_ep_ingress;
	int slot_n = n == EP_BARE ? -1 : n;	/* no record: slot 0 */
	struct sl_port_stats before = sw_stats(ep_sw, slot_n), after, want = {};
	__u8 out[PKT_MAX + 64];
	struct __sk_buff ctx = { .ifindex = sw_ifindex(n) };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = f, .data_size_in = len, .data_out = out,
		    .data_size_out = sizeof(out), .ctx_in = &ctx, .ctx_size_in = sizeof(ctx));
	__u16 vid;
	int why, ret;

	if (bpf_prog_test_run_opts(bpf_program__fd(prog), &o))
		return;	/* refused by test_run itself (size limits) */
	ret = o.retval;
	if (ret != TC_ACT_UNSPEC && ret != TC_ACT_SHOT)
		runner_fail(__FILE__, __LINE__, "%s: verdict %d", how, ret);
	after = sw_stats(ep_sw, slot_n);
	if (egress) {
		why = admit_why(&ep_port[n], f, len, CHK_SRC_MCAST | CHK_SPOOF, &vid);
		want.rx_packets = 1;
		want.rx_bytes = len;
	} else {
		why = ep_ingress_why(&ep_port[n], f, len);
		if (ret == TC_ACT_UNSPEC) {
			want.tx_packets = 1;
			want.tx_bytes = o.data_size_out;
		}
	}
	check_drop(how, ret == TC_ACT_SHOT, why, &before, &after, &want);
	if (ret == TC_ACT_UNSPEC)
		check_untagged_copy(how, f, len, out, o.data_size_out);
}

/* The fixture port a FDB entry names: -1 none, -2 a device that is no port. */
static int lan_fdb_port(__u16 vid, const __u8 *mac)
{
	struct sl_fdb_entry e;

	if (!sw_fdb_get(lan_sw, 1, vid, mac, &e))
		return -1;
	for (int n = 0; n < FX_PORTS; n++)
		if (lan_sw->port[n].switch_id && (__u32)sw_ifindex(n) == e.ifindex)
			return n;
	return -2;
}

/* docs/macvlan.md: a unicast frame the LAN port admits, for a MAC the switch learned on
 * one of its other ports, is redirected into the LAN port; on egress not when its source
 * was learned on another port (the switch sent it). Returns why not, NULL: redirect. */
static const char *lan_why_not(int parent, bool egress, const __u8 *f, size_t len)
{
	__u16 vid;
	int d, s;

	if (parent != PARENT)
		return "no sl_lan entry";
	if (admit_why(&lan_sw->port[LANP], f, len, 0, &vid) >= 0)
		return "not admitted by the LAN port";
	if (f[0] & 1)
		return "group destination";
	d = lan_fdb_port(vid, f);
	if (d == -1)
		return "unknown destination";
	if (d == LANP)
		return "destination on the LAN port";
	if (d < 0 || lan_sw->port[d].switch_id != lan_sw->port[LANP].switch_id)
		return "destination on no port of the switch";
	s = lan_fdb_port(vid, f + ETH_ALEN);
	if (egress && s != -1 && s != LANP)
		return "source learned on another port";
	return NULL;
}

static void run_lan(int parent, bool egress, const __u8 *f, size_t len)
{
	const char *how = egress ? "LAN egress" : "LAN ingress", *why;
	struct bpf_program *prog = egress ? lan->skel->progs.sl_lan_egress :
					    lan->skel->progs.sl_lan_ingress;
	__u8 out[PKT_MAX + 64];
	struct __sk_buff ctx = { .ifindex = sw_ifindex(parent) };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = f, .data_size_in = len, .data_out = out,
		    .data_size_out = sizeof(out), .ctx_in = &ctx, .ctx_size_in = sizeof(ctx));
	int ret;

	if (bpf_prog_test_run_opts(bpf_program__fd(prog), &o))
		return;
	ret = o.retval;
	if (ret != TC_ACT_UNSPEC && ret != TC_ACT_REDIRECT)
		runner_fail(__FILE__, __LINE__, "%s: verdict %d", how, ret);
	if (ret == TC_ACT_REDIRECT && (f[0] & 1))
		runner_fail(__FILE__, __LINE__, "%s: redirected a group destination", how);
	why = lan_why_not(parent, egress, f, len);
	if ((ret == TC_ACT_REDIRECT) != !why)
		runner_fail(__FILE__, __LINE__, "%s: %s, docs say %s", how,
			    ret == TC_ACT_REDIRECT ? "redirected" : "passed on",
			    why ? why : "redirect");
	if (o.data_size_out != len || memcmp(out, f, len))
		runner_fail(__FILE__, __LINE__, "%s: changed the frame", how);
}

/* The filter of docs/offload.md configured as endpoint N's record (EP_BARE: none yet). */
static void run_offload(int n, const __u8 *f, size_t len)
{
	struct sl_port_stats before, after, want = { .rx_packets = 1, .rx_bytes = len };
	int port_fd = bpf_map__fd(off->maps.sl_off_port);
	int stats_fd = bpf_map__fd(off->maps.sl_off_stats);
	__u8 out[PKT_MAX + 64];
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = f, .data_size_in = len, .data_out = out,
		    .data_size_out = sizeof(out));
	__u32 zero = 0;
	__u16 vid;
	int why;

	if (bpf_map_update_elem(port_fd, &zero, &ep_port[n], 0) ||
	    bpf_map_lookup_elem(stats_fd, &zero, &before))
		runner_fail(__FILE__, __LINE__, "offload maps: %s", strerror(errno));
	if (bpf_prog_test_run_opts(bpf_program__fd(off->progs.sl_off_filter), &o))
		return;
	if (o.retval != XDP_PASS && o.retval != XDP_DROP)
		runner_fail(__FILE__, __LINE__, "offload: verdict %d", o.retval);
	if (bpf_map_lookup_elem(stats_fd, &zero, &after))
		runner_fail(__FILE__, __LINE__, "sl_off_stats: %s", strerror(errno));
	/* Unconfigured: the host decides. Else VLAN admission and anti-spoofing only. */
	why = ep_port[n].switch_id ? admit_why(&ep_port[n], f, len, CHK_SPOOF, &vid) : -1;
	check_drop("offload", o.retval == XDP_DROP, why, &before, &after, &want);
	if (o.data_size_out != len || memcmp(out, f, len))
		runner_fail(__FILE__, __LINE__, "offload: changed the frame");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int sel, n;

	if (size < 1 + ETH_HLEN || size > 1 + PKT_MAX - 4)
		return 0;	/* test_run needs an Ethernet header; room for a pushed tag */
	sel = data[0];
	n = (sel >> 2) % EP_CONFS;
	data++;
	size--;
	switch (sel & 3) {
	case 0:
		run_endpoint(n, true, data, size);
		break;
	case 1:
		run_endpoint(n, false, data, size);
		break;
	case 2:
		run_lan(sel & 8 ? OTHER : PARENT, sel & 4, data, size);
		break;
	case 3:
		run_offload(n, data, size);
		break;
	}
	return 0;
}
