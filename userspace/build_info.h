/* SPDX-License-Identifier: MIT */
/* Which build this binary is (version and git commit, baked in by the Makefile) and which
 * build loaded an instance's datapath (recorded in a one-entry map pinned as "build"). */
#ifndef SLUICE_BUILD_INFO_H
#define SLUICE_BUILD_INFO_H

#include "ctl.h"

#define BUILD_ID_LEN	64
#define SL_PIN_BUILD	"build"

/* "VERSION (COMMIT)" of this binary. */
const char *build_id(void);
/* Record this build as the one whose programs the instance runs (load, upgrade). */
int build_record(struct ctl *c);
/* The build recorded for the instance: 0, or -ENOENT for one loaded before builds were
 * recorded. */
int build_loaded(struct ctl *c, char buf[BUILD_ID_LEN]);
void build_unpin(struct ctl *c);

#endif
