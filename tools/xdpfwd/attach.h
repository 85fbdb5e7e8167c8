/* SPDX-License-Identifier: MIT */
/* xdpfwd's attachment: XDP through a bpf_link (gone with the process, even on SIGKILL) and
 * the check that we run in a named netns, never the host's own. */
#ifndef XDPFWD_ATTACH_H
#define XDPFWD_ATTACH_H

#include <stdbool.h>

/* Resolves ifname in this netns; prints the reason and returns < 0 when it does not exist. */
int find_ifindex(const char *ifname);

/* Returns a bpf_link fd or < 0 after printing why; native mode unless generic. */
int attach_xdp(int prog_fd, int ifindex, const char *ifname, bool generic);

/* 0 when this process runs in a netns that `ip netns` named, -EPERM otherwise. */
int check_netns(void);

#endif
