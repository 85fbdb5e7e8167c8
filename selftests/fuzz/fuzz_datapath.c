// SPDX-License-Identifier: MIT
/* libFuzzer harness for the switch programs: random frames through bpf_prog_test_run on a
 * fixed port/VLAN setup; aborts when a frame leaves with a checksum it did not arrive with
 * broken, in a VLAN other than its ingress one, or to a port outside that VLAN.
 * Input: byte 0 picks the hook (bit 0: 0 tc, 1 XDP) and the ingress port (bits 1..), the
 * rest is the frame. Flood copies are caught on the veth peers with AF_PACKET sockets. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/socket.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "switch_tc.skel.h"
#include "switch_xdp.skel.h"
#include "fixture.h"
#include "fuzz.h"

#define VID_NONE	0xffff
#define VID_UNSEEN	0xfffe	/* tc pushes tags into skb metadata test_run does not return */

static struct sw *sw;
static int peer_sock[FX_PORTS];

/* Ports 0-4 on switch 1, port 5 alone on switch 2 with a VLAN id the others use. */
static void topo_setup(void)
{
	PORT(sw, 0, .pvid = 10, .flags = SL_PORT_F_SPOOFCHK, .mac = MAC_A, .ip = IP_A);
	PORT(sw, 1, .pvid = 20);
	PORT(sw, 2, .mode = SL_MODE_TRUNK, .vids = { 10, 20, 30 });
	PORT(sw, 3, .mode = SL_MODE_TRUNK, .pvid = 30, .vids = { 10, 30 });
	PORT(sw, 4, .pvid = 10, .tc_only = true);
	PORT(sw, 5, .switch_id = 2, .pvid = 10);
	sw_fdb_add(sw, 1, 20, MAC_B, 1);
	sw_fdb_add(sw, 1, 10, MAC_C, 2);
	sw_fdb_add(sw, 1, 30, MAC_C, 3);
	sw_fdb_add(sw, 1, 10, MAC_B, 4);
	sw_fdb_add(sw, 2, 10, MAC_A, 5);
}

/* Catch what the program transmits (flood clones) where a container would. */
static void peers_open(void)
{
	for (int n = 0; n < FX_PORTS; n++) {
		char peer[IF_NAMESIZE];
		struct sockaddr_ll a = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL) };
		int one = 1;

		snprintf(peer, sizeof(peer), "ut%dp", n);
		a.sll_ifindex = if_nametoindex(peer);
		peer_sock[n] = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK, htons(ETH_P_ALL));
		if (peer_sock[n] < 0 || !a.sll_ifindex ||
		    bind(peer_sock[n], (struct sockaddr *)&a, sizeof(a)) ||
		    setsockopt(peer_sock[n], SOL_PACKET, PACKET_AUXDATA, &one, sizeof(one)))
			runner_fail(__FILE__, __LINE__, "packet socket on %s", peer);
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	/* Own network namespace: the veths and every transmitted copy stay in here. */
	fuzz_isolate();
	sw = sw_open();
	topo_setup();
	peers_open();
	return 0;
}

static bool member(const struct sl_port *p, __u16 vid)
{
	return p->pvid == vid ||
	       (p->mode == SL_MODE_TRUNK && (p->vids[vid / 64] >> (vid % 64) & 1));
}

static __u16 get16(const __u8 *b)
{
	return b[0] << 8 | b[1];
}

/* The VLAN a frame arriving on P belongs to, by the rules of docs (not the program's
 * code): VID_NONE when P must not admit it. */
static __u16 ingress_vid(const struct sl_port *p, const __u8 *f, size_t len)
{
	__u16 type = len >= 14 ? get16(f + 12) : 0, vid;

	if (len < 14)
		return VID_NONE;
	if (type != ETH_P_8021Q && type != ETH_P_8021AD)
		return p->pvid ? p->pvid : VID_NONE;
	if (len < 18 || type == ETH_P_8021AD)
		return VID_NONE;
	vid = get16(f + 14) & 0xfff;
	if (get16(f + 16) == ETH_P_8021Q || get16(f + 16) == ETH_P_8021AD || vid == 0xfff)
		return VID_NONE;
	if (vid == 0)
		return p->pvid ? p->pvid : VID_NONE;
	if (p->mode != SL_MODE_TRUNK || !(p->vids[vid / 64] >> (vid % 64) & 1))
		return VID_NONE;
	return vid;
}

/* A frame that left toward port D in VLAN VID: D is in that VLAN, tagged exactly when
 * D carries VID tagged. TAG: the frame's VID, VID_NONE when untagged. */
static void check_egress(int in, int d, __u16 vid, __u16 tag, const char *how)
{
	const struct sl_port *dp = &sw->port[d];
	bool want_tag = dp->mode == SL_MODE_TRUNK && dp->pvid != vid;

	if (d == in)
		runner_fail(__FILE__, __LINE__, "%s: frame went back out of ingress port %d", how, in);
	if (dp->switch_id != sw->port[in].switch_id)
		runner_fail(__FILE__, __LINE__, "%s: port %d -> port %d crosses switches", how, in, d);
	if (!member(dp, vid))
		runner_fail(__FILE__, __LINE__, "%s: VLAN %u frame reached port %d, not a member",
			    how, vid, d);
	if (tag != VID_UNSEEN && (want_tag ? tag != vid : tag != VID_NONE))
		runner_fail(__FILE__, __LINE__, "%s: VLAN %u frame left port %d with tag %#x",
			    how, vid, d, tag);
}

static void check_csum(const __u8 *in, size_t in_len, const __u8 *out, size_t out_len,
		       const char *how)
{
	const char *e;

	if (pkt_csum_error(in, in_len))
		return;	/* it arrived broken: nothing to keep */
	e = pkt_csum_error(out, out_len);
	if (e)
		runner_fail(__FILE__, __LINE__, "%s: checksum broken on the way: %s", how, e);
}

static __u16 frame_tag(const __u8 *f, size_t len)
{
	return len >= 18 && get16(f + 12) == ETH_P_8021Q ? (get16(f + 14) & 0xfff) : VID_NONE;
}

/* The port a redirected frame went to: the FDB's port for its destination in VID. */
static int redirect_port(int in, __u16 vid, const __u8 *out, size_t len)
{
	struct sl_fdb_entry e;

	if (len < 14 || !sw_fdb_get(sw, sw->port[in].switch_id, vid, out, &e))
		runner_fail(__FILE__, __LINE__, "redirected with no FDB entry for its destination "
			    "in VLAN %u", vid);
	for (int n = 0; n < FX_PORTS; n++)
		if ((__u32)sw_ifindex(n) == e.ifindex)
			return n;
	runner_fail(__FILE__, __LINE__, "redirected to ifindex %u, not a port", e.ifindex);
}

/* Copies a tc run transmitted: each must be in the ingress VLAN on a member port. */
static int drain_peers(int in, __u16 vid, const __u8 *frame, size_t len, bool check)
{
	int copies = 0;

	for (int n = 0; n < FX_PORTS; n++) {
		__u8 buf[PKT_MAX + 64], cbuf[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
		struct iovec iov = { buf, sizeof(buf) };
		struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
				    .msg_controllen = sizeof(cbuf) };
		ssize_t got;

		while ((got = recvmsg(peer_sock[n], &m, 0)) >= 0) {
			struct cmsghdr *c = CMSG_FIRSTHDR(&m);
			__u16 tag = VID_NONE;

			if (c && c->cmsg_level == SOL_PACKET && c->cmsg_type == PACKET_AUXDATA) {
				struct tpacket_auxdata *a = (void *)CMSG_DATA(c);

				if (a->tp_status & TP_STATUS_VLAN_VALID)
					tag = a->tp_vlan_tci & 0xfff;
			}
			if (tag == VID_NONE)
				tag = frame_tag(buf, got);
			copies++;
			if (check) {
				if (vid == VID_NONE)
					runner_fail(__FILE__, __LINE__, "port %d flooded a frame it "
						    "must not admit to port %d", in, n);
				check_egress(in, n, vid, tag, "flood");
				/* the stack put any tag in auxdata: compare untagged */
				if (!pkt_csum_error(frame, len))
					check_csum(frame, len, buf, got, "flood");
			}
			m.msg_controllen = sizeof(cbuf);
		}
	}
	return copies;
}

static void run_tc(int in, const __u8 *f, size_t len, __u16 vid)
{
	__u8 out[PKT_MAX + 64];
	struct __sk_buff ctx = { .ifindex = sw_ifindex(in) };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = f, .data_size_in = len, .data_out = out,
		    .data_size_out = sizeof(out), .ctx_in = &ctx, .ctx_size_in = sizeof(ctx));
	__u16 tag;

	drain_peers(in, vid, f, len, false);
	if (bpf_prog_test_run_opts(bpf_program__fd(sw->tc->progs.sl_tc_ingress), &o))
		return;	/* refused by test_run itself (size limits) */
	drain_peers(in, vid, f, len, true);
	if (o.retval == TC_ACT_SHOT)
		return;
	if (o.retval != TC_ACT_REDIRECT)
		runner_fail(__FILE__, __LINE__, "tc verdict %d", o.retval);
	if (vid == VID_NONE)
		runner_fail(__FILE__, __LINE__, "port %d forwarded a frame it must not admit", in);
	tag = frame_tag(out, o.data_size_out);
	check_egress(in, redirect_port(in, vid, out, o.data_size_out), vid,
		     tag == VID_NONE ? VID_UNSEEN : tag, "tc redirect");
	check_csum(f, len, out, o.data_size_out, "tc redirect");
}

static void run_xdp(int in, const __u8 *f, size_t len, __u16 vid)
{
	__u8 out[PKT_MAX + 64];
	struct xdp_md ctx = { .data_end = len, .ingress_ifindex = sw_ifindex(in) };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = f, .data_size_in = len, .data_out = out,
		    .data_size_out = sizeof(out), .ctx_in = &ctx, .ctx_size_in = sizeof(ctx));

	if (bpf_prog_test_run_opts(bpf_program__fd(sw->xdp->progs.sl_xdp_ingress), &o))
		return;
	switch (o.retval) {
	case XDP_DROP:
		return;
	case XDP_PASS:	/* tc takes it from here: untouched */
		if (o.data_size_out != len || memcmp(out, f, len))
			runner_fail(__FILE__, __LINE__, "XDP_PASS changed the frame");
		return;
	case XDP_REDIRECT:
		if (vid == VID_NONE)
			runner_fail(__FILE__, __LINE__, "port %d forwarded a frame it must not "
				    "admit", in);
		check_egress(in, redirect_port(in, vid, out, o.data_size_out), vid,
			     frame_tag(out, o.data_size_out), "xdp redirect");
		check_csum(f, len, out, o.data_size_out, "xdp redirect");
		return;
	}
	runner_fail(__FILE__, __LINE__, "XDP verdict %d", o.retval);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int in;

	if (size < 1 + ETH_HLEN || size > 1 + PKT_MAX - 4)
		return 0;	/* test_run needs an Ethernet header; room for a pushed tag */
	in = (data[0] >> 1) % FX_PORTS;
	data++;
	size--;
	if (data[-1] & 1)
		run_xdp(in, data, size, ingress_vid(&sw->port[in], data, size));
	else
		run_tc(in, data, size, ingress_vid(&sw->port[in], data, size));
	return 0;
}
