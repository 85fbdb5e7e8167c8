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

#endif
