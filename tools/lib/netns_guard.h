/* SPDX-License-Identifier: MIT */
/* The tools' netns guard, linked into every tool: traffic generators and XDP forwarders
 * must run in a netns that `ip netns` named, never in the host's own. */
#ifndef TOOLS_NETNS_GUARD_H
#define TOOLS_NETNS_GUARD_H

/* 0 when this process runs in a netns that `ip netns` named, -EPERM otherwise. */
int netns_check_named(void);

#endif
