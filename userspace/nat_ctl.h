/* SPDX-License-Identifier: MIT */
/* Between the NAT's command file (nat.c) and its loader (nat_attach.c): the pinned map
 * names and fds, loading, and the uplink hooks. */
#ifndef SLUICE_NAT_CTL_H
#define SLUICE_NAT_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "ctl.h"
#include "sluice_nat.h"

enum { NAT_RULES, NAT_CFG, NAT_CT, NAT_MAP, NAT_RMAP, NAT_FRAG, NAT_STATS, NAT_MAPS };
extern const char *const nat_map_names[NAT_MAPS];
/* The gateway-subnet trie (nat_local.c), outside NAT_MAPS: an instance loaded by a build
 * before it has none until `sluice upgrade` creates it. */
#define NAT_LOCAL_MAP	"sl_nat_local"
/* The hooked uplinks (nat_guard.c), outside NAT_MAPS for the same reason. */
#define NAT_UPLINKS_MAP	"sl_nat_uplinks"

/* Load and pin the NAT's programs and maps, the connection table sized for FLOWS. */
int nat_load(struct ctl *c, uint32_t flows);
/* Unpin the NAT's programs and maps (links must be gone first). */
void nat_unload(struct ctl *c);
/* Hook the NAT on uplink IFINDEX (both directions), or unhook it. */
int nat_uplink_attach(struct ctl *c, int ifindex, const char *dev);
void nat_uplink_detach(struct ctl *c, int ifindex);
/* IFINDEX is still device DEV and carries the NAT's egress hook. */
bool nat_uplink_hooked(struct ctl *c, int ifindex, const char *dev);

/* nat_guard.c: the fail-closed guard on every gateway host leg and the map of hooked
 * uplinks it reads (0 and nothing done without a NAT; -1 printed on failure). */
int nat_guard_sync(struct ctl *c);
/* Unpin the guard's links, program and uplinks map (nat_unload). */
void nat_guard_unpin(struct ctl *c);
/* IFINDEX carries the NAT's hooks (ON) or no longer does. */
int nat_uplink_mark(struct ctl *c, int ifindex, bool on);
bool nat_uplink_marked(struct ctl *c, int ifindex);
/* IFINDEX is the host leg of a switch's gateway (the veth peer of a gateway port). */
bool nat_gateway_leg(struct ctl *c, int ifindex);

/* The fast path (nat_fast.c): its program in the switch ports' slot, or out of it, or
 * re-pointed after an upgrade; the slot's own pin (a switch map); its counters added to a
 * `nat stats` document. */
struct json_object;
int nat_fast_load(struct ctl *c);
int nat_fast_sync(struct ctl *c);
void nat_fast_unload(struct ctl *c);
void nat_fast_unpin_slot(struct ctl *c);
int nat_fast_stats_add(struct ctl *c, struct json_object *o);
/* The NAT's XDP programs (nat_xdp.c): loaded and pinned with the NAT (or on first use), the
 * outbound one in the XDP ports' slot (re-pointed after an upgrade); a pinned XDP link per
 * uplink in the mode of a rule's SL_NAT_F_XDP_* flags (an attach the device refuses prints
 * its extack) and the uplink in the XDP ports' devmap; the counters in `nat stats`. */
int nat_xdp_load(struct ctl *c);
int nat_xdp_sync(struct ctl *c);
void nat_xdp_unload(struct ctl *c);
int nat_xdp_attach(struct ctl *c, int ifindex, const char *dev, __u32 flags);
void nat_xdp_detach(struct ctl *c, int ifindex);
int nat_xdp_stats_add(struct ctl *c, struct json_object *o);
const char *nat_xdp_mode_name(__u32 flags);
/* nat.c: every key of map FD (KSIZE bytes each), malloc'ed; the count or -errno. */
long keys_collect(int fd, size_t ksize, void **out);
/* nat_ct.c: `nat ct show|count|del [FILTERS]`, `nat stats rules [NAME]`; a connection's
 * state as shown (SL_NAT_ST_*, or REPLIED past SL_NAT_ST_MAX) and its name. */
int nat_ct_cmd(struct ctl *c, int argc, char **argv);
int nat_stats_rules(struct ctl *c, int argc, char **argv);
int nat_ct_state(const struct sl_nat_ct *v);
const char *nat_ct_state_name(int st);
/* nat_publish.c: `nat publish add|del|show`; drop rule SLOT's published ports (nat del). */
int nat_publish_cmd(struct ctl *c, int argc, char **argv);
void nat_publish_flush(struct ctl *c, int slot);
/* `sluice save`: the published ports as `nat publish add` lines. */
int nat_publish_save(struct ctl *c, FILE *f);
/* nat_hostpub.c: `nat publish host-cgroup`, the host's own connections to its ports */
int nat_hostpub_cmd(struct ctl *c, int argc, char **argv);
int nat_hostpub_save(struct ctl *c, FILE *f);
bool nat_hostpub_attached(struct ctl *c);
void nat_hostpub_detach(struct ctl *c);

#endif
