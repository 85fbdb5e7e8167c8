// SPDX-License-Identifier: MIT
/* The offloadable ingress filter (bpf/offload.bpf.c) run on the host: netdevsim accepts
 * offloaded programs but never runs them, so its verdicts and counters are checked here. */
#include <linux/bpf.h>
#include <linux/if_arp.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "fixture.h"
#include "offload.skel.h"

static void filter_close(void *skel)
{
	offload__destroy(skel);
}

/* The filter loaded unbound (a plain XDP program on host maps) and configured as PORT. */
static struct offload *filter_open(const struct sl_port *port)
{
	struct offload *o = offload__open_and_load();
	__u32 zero = 0;

	if (!o)
		runner_fail(__FILE__, __LINE__, "load offload.bpf.o: %s", strerror(errno));
	runner_defer(filter_close, o);
	if (port)
		ASSERT_OK(bpf_map_update_elem(bpf_map__fd(o->maps.sl_off_port), &zero, port, 0));
	return o;
}

static int filter_run(struct offload *o, const struct pkt *p)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = p->data, .data_size_in = p->len);

	ASSERT_OK(bpf_prog_test_run_opts(bpf_program__fd(o->progs.sl_off_filter), &opts));
	return opts.retval;
}

static struct sl_port_stats filter_stats(struct offload *o)
{
	struct sl_port_stats s;
	__u32 zero = 0;

	ASSERT_OK(bpf_map_lookup_elem(bpf_map__fd(o->maps.sl_off_stats), &zero, &s));
	return s;
}

static struct sl_port access_port(__u16 pvid)
{
	return (struct sl_port){ .switch_id = 1, .mode = SL_MODE_ACCESS, .pvid = pvid };
}

static struct pkt udp_frame(const __u8 *src, __u32 saddr, int vid)
{
	struct pkt p;

	pkt_eth(&p, MAC_BCAST, src);
	if (vid >= 0)
		pkt_vlan(&p, 0x8100, vid);
	pkt_udp4(&p, saddr, IP_B, 1000, 2000, 20);
	return p;
}

TEST(offload_filter_passes_untagged_on_access_port)
{
	struct sl_port port = access_port(10);
	struct offload *o = filter_open(&port);
	struct pkt p = udp_frame(MAC_A, IP_A, -1);
	struct sl_port_stats s;

	ASSERT_EQ(filter_run(o, &p), XDP_PASS);
	s = filter_stats(o);
	ASSERT_EQ(s.rx_packets, 1);
	ASSERT_EQ(s.rx_bytes, p.len);
	for (int d = 0; d < SL_DROP_MAX; d++)
		ASSERT_EQ(s.drops[d], 0);
}

TEST(offload_filter_drops_tagged_on_access_port)
{
	struct sl_port port = access_port(10);
	struct offload *o = filter_open(&port);
	struct pkt p = udp_frame(MAC_A, IP_A, 10);

	ASSERT_EQ(filter_run(o, &p), XDP_DROP);
	ASSERT_EQ(filter_stats(o).drops[SL_DROP_VLAN_TAGGED_ON_ACCESS], 1);
}

TEST(offload_filter_admits_only_trunk_vids)
{
	struct sl_port port = { .switch_id = 1, .mode = SL_MODE_TRUNK };
	struct offload *o;
	struct pkt ok = udp_frame(MAC_A, IP_A, 20), bad = udp_frame(MAC_A, IP_A, 30),
		   untagged = udp_frame(MAC_A, IP_A, -1);

	port.vids[0] = 1ull << 20;
	o = filter_open(&port);
	ASSERT_EQ(filter_run(o, &ok), XDP_PASS);
	ASSERT_EQ(filter_run(o, &bad), XDP_DROP);
	ASSERT_EQ(filter_run(o, &untagged), XDP_DROP);
	ASSERT_EQ(filter_stats(o).drops[SL_DROP_VLAN_NOT_ALLOWED], 1);
	ASSERT_EQ(filter_stats(o).drops[SL_DROP_VLAN_UNTAGGED], 1);
	ASSERT_EQ(filter_stats(o).rx_packets, 3);
}

TEST(offload_filter_drops_spoofed_mac_and_ip)
{
	struct sl_port port = access_port(1);
	struct offload *o;
	struct pkt own = udp_frame(MAC_A, IP_A, -1), mac = udp_frame(MAC_C, IP_A, -1),
		   ip = udp_frame(MAC_A, IP_C, -1), arp;

	port.flags = SL_PORT_F_SPOOFCHK;
	memcpy(port.mac, MAC_A, 6);
	port.ip = IP_A;
	o = filter_open(&port);
	pkt_eth(&arp, MAC_BCAST, MAC_A);
	pkt_arp(&arp, ARPOP_REQUEST, MAC_A, IP_C, MAC_ZERO, IP_B);
	ASSERT_EQ(filter_run(o, &own), XDP_PASS);
	ASSERT_EQ(filter_run(o, &mac), XDP_DROP);
	ASSERT_EQ(filter_run(o, &ip), XDP_DROP);
	ASSERT_EQ(filter_run(o, &arp), XDP_DROP);
	ASSERT_EQ(filter_stats(o).drops[SL_DROP_SPOOF_MAC], 1);
	ASSERT_EQ(filter_stats(o).drops[SL_DROP_SPOOF_IP], 2);
}

/* Before sluice writes the port (or on a port of no switch) the host decides. */
TEST(offload_filter_unconfigured_passes_everything)
{
	struct offload *o = filter_open(NULL);
	struct pkt p = udp_frame(MAC_A, IP_A, 4000);

	ASSERT_EQ(filter_run(o, &p), XDP_PASS);
	ASSERT_EQ(filter_stats(o).rx_packets, 1);
}
