/* SPDX-License-Identifier: MIT */
/* Identities that outlive a path: network namespaces by (device, inode) of their nsfs file,
 * the instance's record of the namespace it manages, safe pin directories. */
#ifndef SLUICE_IDENTITY_H
#define SLUICE_IDENTITY_H

#include <stdint.h>
#include "ctl.h"

#define SL_PIN_IDENTITY		"sl_identity"	/* ARRAY of one: the managed netns */

struct netns_id {
	uint64_t dev, ino;
};

/* The current process's netns (0, or -1 printed). */
int netns_self_id(struct netns_id *id);
/* The netns at PATH: 0, or -errno (silent). */
int netns_id_of(const char *path, struct netns_id *id);
/* PATH, if it exists, is a directory of this user with mode 0700 (repaired when only the
 * mode is wrong); else -1 printed. */
int pin_dir_check(const char *path);
/* The instance manages the current netns; a new instance (or one without a record)
 * records it. -1 printed on a mismatch. */
int identity_check(struct ctl *c);
void identity_unpin(struct ctl *c);

/* Where a port's peer lives (sl_port_ns, a hash by port key kept by the controller): the
 * namespace as it was given (the full path; sl_port keeps 47 characters for show), its
 * identity and its id seen from the host (nl_nsid_of), which outlive that path. */
#define SL_PIN_PORT_NS		"sl_port_ns"
#define PORT_NS_PATH_MAX	256

struct port_ns {
	uint64_t dev, ino;
	int32_t nsid;		/* -1: none */
	uint32_t pad;
	char path[PORT_NS_PATH_MAX];
};

/* Record the netns SPEC (open at FD) for port KEY. 0, or -1 printed. */
int port_ns_record(struct ctl *c, uint32_t key, const char *spec, int fd);
/* 0 and V filled, or -ENOENT (a port made by an earlier build, or a host port). */
int port_ns_get(struct ctl *c, uint32_t key, struct port_ns *v);
void port_ns_forget(struct ctl *c, uint32_t key);
/* The port's netns as a path for netns_open(): the full recorded one, else p->netns. */
const char *port_ns_spec(struct ctl *c, const struct sl_port *p, char buf[PORT_NS_PATH_MAX]);

#endif
