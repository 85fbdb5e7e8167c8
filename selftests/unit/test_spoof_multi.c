// SPDX-License-Identifier: MIT
/* Anti-spoofing on a port with several IPv4 addresses (sl_port.ip plus sl_port4), through
 * both hooks: any of its addresses passes as IPv4 source and ARP sender, others do not. */
#include <errno.h>
#include <string.h>
#include <linux/bpf.h>
#include <linux/if_arp.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "offload.skel.h"
#include "switch_tc.skel.h"
#include "sluice_ip4.h"
#include "fixture.h"

#define IP_2ND	ipv4(10, 0, 0, 20)
#define IP_3RD	ipv4(10, 1, 0, 30)

enum { GUARDED, OPEN };

/* GUARDED owns IP_A first, then IP_2ND and IP_3RD; FLAGS are its port flags. */
static struct sw *multi_ports(__u32 flags)
{
	struct sl_port4 v = { .naddr = 2, .addr = { IP_2ND, IP_3RD } };
	struct sw *sw = sw_open();
	__u32 slot = GUARDED + 1;

	PORT(sw, GUARDED, .pvid = 1, .flags = flags, .mac = MAC_A, .ip = IP_A);
	PORT(sw, OPEN, .pvid = 1);
	if (bpf_map_update_elem(bpf_map__fd(sw->tc->maps.sl_port4), &slot, &v, BPF_ANY))
		runner_fail(__FILE__, __LINE__, "sl_port4: %s", strerror(errno));
	return sw;
}

#define MULTI	(SL_PORT_F_SPOOFCHK | SL_PORT_F_ADDRS4)

static struct pkt udp_from(__u32 ip)
{
	struct pkt p;

	pkt_eth(&p, MAC_BCAST, MAC_A);
	pkt_udp4(&p, ip, IP_B, 68, 67, 20);
	return p;
}

static struct pkt arp_from(__u32 ip)
{
	struct pkt p;

	pkt_eth(&p, MAC_BCAST, MAC_A);
	pkt_arp(&p, ARPOP_REQUEST, MAC_A, ip, MAC_ZERO, IP_B);
	return p;
}

static void check_multi_passed(__u32 flags, const struct pkt *p)
{
	struct sw *sw = multi_ports(flags);

	ASSERT_EQ(sw_run_xdp(sw, GUARDED, p).ret, XDP_PASS);
	sw_run_tc(sw, GUARDED, p);
	ASSERT_NO_DROPS(sw, GUARDED);
	ASSERT_EQ(sw_stats(sw, GUARDED).flooded, 1);
}

static void check_multi_dropped(__u32 flags, const struct pkt *p)
{
	struct sw *sw = multi_ports(flags);

	ASSERT_EQ(sw_run_tc(sw, GUARDED, p).ret, TC_ACT_SHOT);
	ASSERT_EQ(sw_run_xdp(sw, GUARDED, p).ret, XDP_DROP);
	ASSERT_DROPS(sw, GUARDED, SL_DROP_SPOOF_IP, 2);
	ASSERT_EQ(sw_stats(sw, OPEN).tx_packets, 0);
}

TEST(spoof_multi_passes_first_address)
{
	struct pkt p = udp_from(IP_A);

	check_multi_passed(MULTI, &p);
}

TEST(spoof_multi_passes_second_and_last_address)
{
	struct pkt second = udp_from(IP_2ND), last = udp_from(IP_3RD);

	check_multi_passed(MULTI, &second);
	check_multi_passed(MULTI, &last);
}

TEST(spoof_multi_passes_arp_from_second_address)
{
	struct pkt p = arp_from(IP_2ND);

	check_multi_passed(MULTI, &p);
}

TEST(spoof_multi_drops_unlisted_source)
{
	struct pkt p = udp_from(IP_C);

	check_multi_dropped(MULTI, &p);
}

TEST(spoof_multi_drops_arp_from_unlisted_address)
{
	struct pkt p = arp_from(IP_C);

	check_multi_dropped(MULTI, &p);
}

/* The extra addresses count only while the port says it has them (port set to one address). */
TEST(spoof_multi_ignores_extra_addresses_without_flag)
{
	struct pkt p = udp_from(IP_2ND);

	check_multi_dropped(SL_PORT_F_SPOOFCHK, &p);
}

static void offload_close(void *skel)
{
	offload__destroy(skel);
}

/* The offloaded filter has no room for sl_port4: it leaves a several-address port's other
 * sources to the host's program (above), and still drops them for a one-address port. */
static int offload_verdict(__u32 flags, __u32 src)
{
	struct sl_port port = { .switch_id = 1, .mode = SL_MODE_ACCESS, .pvid = 1,
				.flags = flags, .ip = IP_A };
	struct offload *o = offload__open_and_load();
	struct pkt p = udp_from(src);
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = p.data, .data_size_in = p.len);
	__u32 zero = 0;

	if (!o)
		runner_fail(__FILE__, __LINE__, "load offload.bpf.o: %s", strerror(errno));
	runner_defer(offload_close, o);
	memcpy(port.mac, MAC_A, 6);
	ASSERT_OK(bpf_map_update_elem(bpf_map__fd(o->maps.sl_off_port), &zero, &port, 0));
	ASSERT_OK(bpf_prog_test_run_opts(bpf_program__fd(o->progs.sl_off_filter), &opts));
	return opts.retval;
}

TEST(spoof_multi_offload_leaves_other_sources_to_the_host)
{
	ASSERT_EQ(offload_verdict(MULTI, IP_2ND), XDP_PASS);
	ASSERT_EQ(offload_verdict(SL_PORT_F_SPOOFCHK, IP_2ND), XDP_DROP);
}
