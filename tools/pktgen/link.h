/* SPDX-License-Identifier: MIT */
/* pktgen's view of the transmit device in the current network namespace: its MAC and its
 * tx counters, to tell frames the veth peer accepted from frames veth dropped. */
#ifndef PKTGEN_LINK_H
#define PKTGEN_LINK_H

#include <stdint.h>

struct link_counters {
	uint64_t tx_packets;	/* veth: frames its peer took in, XDP_TX ones included */
	uint64_t tx_dropped;	/* veth: XDP frames refused by a full peer ring */
};

int link_get_mac(const char *ifname, uint8_t mac[6]);

/* IFLA_STATS64 of ifindex by rtnetlink; prints why and returns < 0 on failure. */
int link_get_counters(int ifindex, struct link_counters *c);

#endif
