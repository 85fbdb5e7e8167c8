/* SPDX-License-Identifier: MIT */
/* xdpfwd's attachment: XDP through a bpf_link (gone with the process, even on SIGKILL). */
#ifndef XDPFWD_ATTACH_H
#define XDPFWD_ATTACH_H

#include <stdbool.h>

/* Resolves ifname in this netns; prints the reason and returns < 0 when it does not exist. */
int find_ifindex(const char *ifname);

/* Returns a bpf_link fd or < 0 after printing why; native mode unless generic. */
int attach_xdp(int prog_fd, int ifindex, const char *ifname, bool generic);

/* Runs PROG_FD at IFNAME's tc ingress until a signal, printing WHAT once attached; the
 * clsact hook is removed again if this made it. 0, or < 0 after printing why. */
int run_tc_ingress(int prog_fd, int ifindex, const char *ifname, const char *what);

#endif
