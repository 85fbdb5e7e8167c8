/* SPDX-License-Identifier: MIT */
/* The NAT fixture: the NAT skeleton loaded on small unpinned maps with veth ut0 as the
 * uplink, rule and table helpers, runs through either hook, and the extra packets NAT
 * tests need (TCP flags, fragments, ICMP errors quoting another packet). */
#ifndef UNIT_NAT_FIXTURE_H
#define UNIT_NAT_FIXTURE_H

#include <stdbool.h>
#include <linux/types.h>
#include "sluice_nat.h"
#include "fixture.h"

/* Addresses: two containers, the external address, a remote server, a router. */
#define NAT_IN1		ipv4(10, 0, 0, 10)
#define NAT_IN2		ipv4(10, 0, 0, 11)
#define NAT_EXT		ipv4(192, 0, 2, 1)
#define NAT_REM		ipv4(198, 51, 100, 7)
#define NAT_REM2	ipv4(198, 51, 100, 8)
#define NAT_RTR		ipv4(203, 0, 113, 1)
#define NAT_FLOWS	1024

struct nat {
	struct nat_tc *skel;
	int rules, cfg, ct, map, rmap, frag, stats, local;	/* map fds */
	int uplink;						/* ifindex of ut0 */
};

/* Fresh maps and programs with rule slot 0 = 10.0.0.0/24 out ut0 to NAT_EXT, default
 * ports; released when the test ends. */
struct nat *nat_open(void);
/* The same on the maps of switch SW (ports, FDB, counters), for the fast path's tests. */
struct nat *nat_open_sw(struct sw *sw);
/* Replace rule slot 0's port range and flags. */
void nat_rule_ports(struct nat *n, __u16 lo, __u16 hi, __u32 flags);
void nat_timeout(struct nat *n, enum sl_nat_state st, __u32 seconds);
/* Enter ADDR/PLEN in the gateway-subnet trie, as the controller does for a switch. */
void nat_local_add(struct nat *n, __u32 addr, __u32 plen);

/* Run P through the egress (SNAT) or ingress (DNAT) hook of ut0. */
/* A container-side frame (MAC_B -> MAC_A): UDP with 21 bytes of data, or TCP with FLAGS. */
struct pkt nat_pkt_udp(__u32 s, __u16 sp, __u32 d, __u16 dp);
struct pkt nat_pkt_tcp(__u32 s, __u16 sp, __u32 d, __u16 dp, __u8 flags);
struct run nat_out(struct nat *n, const struct pkt *p);
struct run nat_in(struct nat *n, const struct pkt *p);

struct sl_nat_stats nat_stats(struct nat *n);
/* The ORIG entry of a connection as the container sent it. */
bool nat_ct_orig(struct nat *n, __u8 proto, __u32 saddr, __u16 sport, __u32 daddr, __u16 dport,
		 struct sl_nat_ct *v);
bool nat_ct_reply(struct nat *n, __u8 proto, __u32 saddr, __u16 sport, __u32 daddr, __u16 dport,
		  struct sl_nat_ct *v);
void nat_ct_put_orig(struct nat *n, __u8 proto, __u32 saddr, __u16 sport, __u32 daddr,
		     __u16 dport, const struct sl_nat_ct *v);
void nat_ct_del(struct nat *n, __u8 proto, __u8 dir, __u32 saddr, __u16 sport, __u32 daddr,
		__u16 dport);

/* Only drop reason WHY moved, by COUNT. */
void nat_check_drops(struct nat *n, enum sl_nat_drop why, __u64 count, const char *file, int line);
#define ASSERT_NAT_DROPS(n, why, count) nat_check_drops(n, why, count, __FILE__, __LINE__)
#define ASSERT_NAT_NO_DROPS(n) nat_check_drops(n, SL_NAT_DROP_MAX, 0, __FILE__, __LINE__)

/* Field readers of a frame (offsets after a 14-byte Ethernet header). */
__u32 frame_saddr(const __u8 *f);
__u32 frame_daddr(const __u8 *f);
__u16 frame_sport(const __u8 *f);	/* host order; ICMP: the echo identifier */
__u16 frame_dport(const __u8 *f);

/* Set TCP flags (and data offset) of a pkt_tcp4 frame and recompute its checksums. */
void pkt_tcp_flags(struct pkt *p, __u8 flags, __u8 doff);
/* Recompute the IPv4 header checksum and the L4 checksum of P from scratch (UDP: a
 * zero checksum stays zero). L4_TOTAL is the L4 length the checksum covers (0: all of it). */
void pkt_refresh_csums(struct pkt *p);
/* An ICMP error TYPE/CODE from SADDR to DADDR quoting the first QUOTE bytes of Q's IPv4
 * packet; WORD is the header's second 32-bit word (next-hop MTU for frag-needed). */
void pkt_icmp_error(struct pkt *p, __u32 saddr, __u32 daddr, __u8 type, __u8 code, __u32 word,
		    const struct pkt *q, size_t quote);
/* Fragment OFF (bytes) of a datagram whose IPv4 payload is DATA (LEN bytes in all): the
 * fragment carries FRAG_LEN bytes of it, MF set unless it is the last. */
void pkt_frag(struct pkt *p, __u32 saddr, __u32 daddr, __u8 proto, __u16 id, const __u8 *data,
	      size_t len, size_t off, size_t frag_len);
/* A UDP datagram's L4 bytes (header + pattern payload) with its checksum from scratch. */
size_t udp_datagram(__u8 *buf, __u32 saddr, __u32 daddr, __u16 sport, __u16 dport,
		    size_t payload_len);

#endif
