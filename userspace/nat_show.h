/* SPDX-License-Identifier: MIT */
/* nat_show.c: `nat show`, `nat stats`, `nat timeouts [NAME SECONDS]...` (ARGV after the verb). */
#ifndef SLUICE_NAT_SHOW_H
#define SLUICE_NAT_SHOW_H

#include "ctl.h"

int nat_show(struct ctl *c, int argc, char **argv);
int nat_stats_cmd(struct ctl *c, int argc, char **argv);
int nat_timeouts(struct ctl *c, int argc, char **argv);

#endif
