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
};

/* Print "sluice: <message>" on stderr; returns -1 for `return err(...)`. */
int err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* loader.c: the instance's pinned objects */
int instance_open(struct ctl *c, bool create);
void instance_close(struct ctl *c);
/* Unpin everything when the last switch is gone. */
int instance_remove(struct ctl *c);
int port_attach(struct ctl *c, int ifindex, const char *name, int hook);
void port_detach(struct ctl *c, int ifindex);

/* netns.c */
int netns_open(const char *spec);	/* name under /var/run/netns, or a path */
int netns_enter(int fd, const char *what);

/* switch.c / port.c helpers used across objects */
int switch_get(struct ctl *c, const char *name, struct sl_switch *sw);
const char *switch_name_of(struct ctl *c, uint32_t id, char buf[SL_NAME_LEN]);
int port_get_by_name(struct ctl *c, const char *name, struct sl_port *p);
int flood_rebuild(struct ctl *c, uint32_t switch_id);
int port_remove(struct ctl *c, struct sl_port *p, bool delete_device);
/* Write a new port into the maps (ports, stats, XDP targets). */
int port_install(struct ctl *c, const struct sl_port *p);
void port_uninstall(struct ctl *c, const struct sl_port *p);
int fdb_flush_port(struct ctl *c, uint32_t ifindex);
int fdb_age_sweep(struct ctl *c, uint64_t max_age_ns);

/* Commands: argv starts after the object word. */
int cmd_switch(struct ctl *c, int argc, char **argv);
int cmd_port(struct ctl *c, int argc, char **argv);
int cmd_fdb(struct ctl *c, int argc, char **argv);
int cmd_stats(struct ctl *c, int argc, char **argv);
int cmd_daemon(struct ctl *c, int argc, char **argv);

bool matches(const char *arg, const char *word);

#endif
