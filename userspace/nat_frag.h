/* SPDX-License-Identifier: MIT */
/* The daemon's fragment holder (docs/nat-fragments.md): keeps the later fragments the NAT's
 * hooks hand over until their first fragment is translated, then re-injects them. */
#ifndef SLUICE_NAT_FRAG_H
#define SLUICE_NAT_FRAG_H

#include <stdbool.h>
#include <stdint.h>
#include <json-c/json.h>
#include "sluice_nat.h"

struct ctl;
struct frag_holder;

/* Follow the instance's pinned event map: open the holder, re-open it when the NAT was
 * re-created, close it when the NAT is gone. *FH may be NULL before and after. */
void frag_holder_sync(struct frag_holder **fh, struct ctl *c);
/* The fd to poll for events (-1: none). */
int frag_holder_fd(const struct frag_holder *fh);
/* Read the events, re-inject what was released, expire what waited too long, heartbeat. */
void frag_holder_run(struct frag_holder *fh);
/* Stop holding at once (heartbeat 0) and free what is held, counted expired. */
void frag_holder_close(struct frag_holder *fh);
/* The daemon's counters of instance root ROOT into *CTL; false when there are none. */
bool frag_ctl_read(const char *root, struct sl_nat_frag_ctl *ctl);
/* `nat stats`: the fragment counters, the datapath's (S) and the daemon's, into O. */
void nat_frag_stats_add(struct ctl *c, json_object *o, const struct sl_nat_stats *s);

#endif
