/* SPDX-License-Identifier: MIT */
/* The controller's view of one instance: its pin root, lock and map/program fds,
 * and the commands' shared helpers. */
#ifndef SLUICE_CTL_H
#define SLUICE_CTL_H

#include <stdbool.h>
#include <stdint.h>
#include <limits.h>
#include "sluice.h"

struct ctl {
	const char *instance;
	char root[128];		/* SL_PIN_BASE + instance (<= 64 chars) */
	int lock_fd;
	int ports, switches, fdb, flood, stats, tx;	/* map fds */
	int prog_tc, prog_xdp;
	const char *netns_spec;	/* --netns as given (NULL: the caller's netns) */
	bool read_only;		/* a query: shared lock, no recovery writes */
};

/* Print "sluice: <message>" on stderr; returns -1 for `return errf(...)`. */
int errf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* loader.c: the instance's pinned objects */
int instance_open(struct ctl *c, bool create);
void instance_close(struct ctl *c);
/* For queries: 1 (nothing printed) when the instance does not exist, else instance_open. */
int instance_open_query(struct ctl *c);
/* instance_open_query for commands that only read: they share the lock with each other
 * (two `fdb show` run side by side) and wait only for a command that changes things. */
int instance_open_read(struct ctl *c);
/* Unpin everything when the last switch is gone. */
int instance_remove(struct ctl *c);
/* Unlink the pins NAMES[0..N) under the instance's root (absent ones are fine). */
void pins_unlink(struct ctl *c, const char *const names[], size_t n);
/* lan.c: unpin the LAN hook's programs and map (instance_remove). */
void lan_unpin(struct ctl *c);
/* vxlan.c: unpin the VXLAN ports' maps (instance_remove). */
void vxlan_unpin(struct ctl *c);

/* Point OBJ's maps at the instance's pinned ones before it is loaded. */
struct bpf_object;
int maps_reuse_pins(struct ctl *c, struct bpf_object *obj);
/* This build's switch objects loaded onto the instance's pinned maps (maps the build adds
 * are created and pinned); the caller pins or takes their programs, then destroys them. */
struct switch_objs {
	struct switch_tc *tc;
	struct switch_xdp *xdp;
};
/* On a failed load, SUSPECT (e.g. "maps changed layout?") is named in the error; NULL:
 * ask the kernel what it lacks. Nothing is left loaded on failure. */
int switch_objs_load(struct ctl *c, struct switch_objs *o, const char *suspect);
void switch_objs_destroy(struct switch_objs *o);
int port_attach(struct ctl *c, int ifindex, const char *name, int hook);
void port_detach(struct ctl *c, int ifindex);
/* Only the XDP side (native or generic link; detach also drops an offloaded filter). */
int port_attach_xdp(struct ctl *c, int ifindex, const char *name, int hook);
void port_detach_xdp(struct ctl *c, int ifindex);

/* offload.c: the ingress filter offloaded to a device (SL_HOOK_XDP_OFFLOAD) */
#define PORT_HOOK_AUTO	255	/* a request, never stored: offload, else native, else generic */
/* XDP for P's device as asked (SL_HOOK_XDP_* or PORT_HOOK_AUTO); its tc hook is already
 * attached. Sets p->hook to what it got; on failure leaves no XDP behind. */
int port_xdp_attach(struct ctl *c, struct sl_port *p, int want);
/* Load, configure and attach P's filter on its device, replacing one there already. */
int offload_attach(struct ctl *c, const struct sl_port *p);
void offload_detach(struct ctl *c, int ifindex);
/* Write P's settings into its device's map (nothing to do without an offloaded filter). */
int offload_sync(struct ctl *c, const struct sl_port *p);
/* Counters of the offloaded filter: 0, or -ENOENT when the port has none. */
int offload_stats(struct ctl *c, uint32_t ifindex, struct sl_port_stats *s);
/* ID of the offloaded program, 0 if none. */
uint32_t offload_prog_id(struct ctl *c, uint32_t ifindex);

/* prereq.c: capabilities (0 or an error printed); missing kernel features or NULL */
int prereq_caps(void);
const char *prereq_kernel_missing(void);

/* netns.c */
int netns_open(const char *spec);	/* name under /var/run/netns, or a path */
void netns_path(const char *spec, char path[PATH_MAX]);	/* where SPEC lives */
int netns_enter(int fd, const char *what);
/* Run FN(ARG) inside the netns SPEC and come back: FN's result, or -1 (printed) when SPEC
 * cannot be entered. Every "go there, do, come back" goes through here. */
int netns_run(const char *spec, int (*fn)(void *), void *arg);
/* The same in the netns open at FD (WHAT names it in errors). */
int netns_run_fd(int fd, const char *what, int (*fn)(void *), void *arg);

/* switch.c / port.c helpers used across objects */
int switch_get(struct ctl *c, const char *name, struct sl_switch *sw);
/* Host leg HOST <-> HOST-gw (access port of VID) with ADDR/PLEN on HOST; returns HOST's ifindex. */
int gateway_add(struct ctl *c, const char *host, uint32_t switch_id, uint16_t vid,
		uint32_t addr, int plen);
const char *switch_name_of(struct ctl *c, uint32_t id, char buf[SL_NAME_LEN]);
int port_get_by_name(struct ctl *c, const char *name, struct sl_port *p);
int flood_rebuild(struct ctl *c, uint32_t switch_id);
int port_remove(struct ctl *c, struct sl_port *p, bool delete_device);
/* Write a new port into the maps (ports, stats, XDP targets). */
int port_install(struct ctl *c, struct sl_port *p);
void port_uninstall(struct ctl *c, const struct sl_port *p);
int fdb_flush_port(struct ctl *c, uint32_t ifindex);
/* Delete the entries DROP picks (ARG passed on); returns how many went. */
int fdb_delete_if(struct ctl *c, bool (*drop)(const struct sl_fdb_key *, const struct sl_fdb_entry *,
					     const void *), const void *arg);
int fdb_age_sweep(struct ctl *c, uint64_t max_age_ns);
/* Invalidate the datapath's learn caches after an FDB change (fdb.c). */
void fdb_gen_bump(struct ctl *c);
/* Unpin the learn cache and its generation (instance_remove). */
void fdb_cache_unpin(struct ctl *c);
/* nat.c: the NAT lives in the instance (its pins outlive the last switch); the daemon's
 * NAT round: expiry, mapping GC, following uplink addresses. */
bool nat_loaded(struct ctl *c);
void nat_ct_gc(struct ctl *c);
/* Re-hook rules whose uplink device came back under its name (also part of nat_ct_gc). */
void nat_uplinks_follow(struct ctl *c);
/* nat_local.c: rewrite the NAT's trie of gateway subnets after gateways change (0 and
 * nothing done while the instance has no NAT; -1 printed on failure). */
int nat_local_sync(struct ctl *c);

/* Commands: argv starts after the object word. */
int cmd_switch(struct ctl *c, int argc, char **argv);
int cmd_port(struct ctl *c, int argc, char **argv);
int cmd_fdb(struct ctl *c, int argc, char **argv);
int cmd_vlan(struct ctl *c, int argc, char **argv);
int cmd_stats(struct ctl *c, int argc, char **argv);
int cmd_daemon(struct ctl *c, int argc, char **argv);
int cmd_upgrade(struct ctl *c, int argc, char **argv);
int cmd_nat(struct ctl *c, int argc, char **argv);
int cmd_save(struct ctl *c, int argc, char **argv);
/* save.c: INSTANCE's configuration as `sluice save` lines (no header), malloc'ed in *OUT;
 * "" when the instance does not exist. */
int save_to_memory(const char *instance, char **out);
/* batch.c: run the commands of FILE ("-": stdin) through the CLI's dispatch (main.c). */
struct batch_ops {
	int (*dispatch)(struct ctl *c, int argc, char **argv);	/* object word first */
	const char *(*object_name)(const char *word);		/* NULL: no such object */
};
int batch_run(struct ctl *c, const char *file, const struct batch_ops *ops);
int cmd_monitor(struct ctl *c, int argc, char **argv);

bool matches(const char *arg, const char *word);

#endif
