/* SPDX-License-Identifier: MIT */
/* Intent records of `port add` (intent.c): begun before the first device is made, ended
 * when the command ends, rolled back by the next holder of the lock after a crash. */
#ifndef SLUICE_INTENT_H
#define SLUICE_INTENT_H

#include <stdbool.h>
#include <stdint.h>
#include "ctl.h"

enum intent_kind {
	INTENT_VETH = 1,	/* host veth NAME, peer in a container */
	INTENT_MACVLAN = 2,	/* host macvlan NAME */
	INTENT_ENDPOINT = 3,	/* macvlan IFNAME of PARENT in the netns open at NETNS_FD */
};

/* 0, or -1 printed (then nothing may be made). */
int intent_begin(struct ctl *c, enum intent_kind kind, const char *name, const char *ifname,
		 uint32_t parent, int netns_fd);
/* The host device NAME was made as IFINDEX: a rollback deletes only that one. */
void intent_made(struct ctl *c, const char *name, uint32_t ifindex);
void intent_end(struct ctl *c, const char *name);
/* Roll back every intent left behind (instance_open, with the lock held). */
void intents_recover(struct ctl *c);
/* Whether a dead command left intents (a query must not show its half-made port). */
bool intents_pending(struct ctl *c);
void intents_unpin(struct ctl *c);

#endif
