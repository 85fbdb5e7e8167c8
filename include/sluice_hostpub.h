/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The host's own connections to its published ports (`sluice nat publish host-cgroup`):
 * cgroup sock_addr programs that rewrite them to the container, and their maps. Both sides
 * include this file. */
#ifndef SLUICE_HOSTPUB_H
#define SLUICE_HOSTPUB_H

#include <linux/types.h>

#define SL_HOSTPUB_CFG_MAP	"sl_hostpub_cfg"
#define SL_HOSTPUB_REV_MAP	"sl_hostpub_rev"
#define SL_HOSTPUB_REV_MAX	65536	/* sockets x published destinations remembered */
#define SL_HOSTPUB_PATH_MAX	256

/* sl_hostpub_cfg: ARRAY of 1. netns_cookie 0: nothing is rewritten. */
struct sl_hostpub_cfg {
	__u64 netns_cookie;	/* the managed host netns: only its sockets are rewritten */
	char cgroup[SL_HOSTPUB_PATH_MAX];	/* for `publish host-cgroup` and `save` */
};

/* sl_hostpub_rev: LRU_HASH. What a socket was rewritten to -> what it asked for, so that
 * getpeername and a UDP answer's source show the address the program connected to. */
struct sl_hostpub_rev_key {
	__u64 cookie;		/* bpf_get_socket_cookie: unique per socket for the boot */
	__be32 addr;		/* the container */
	__be16 port;
	__u16 pad;
};

struct sl_hostpub_rev {
	__be32 addr;		/* the uplink address or 127.x the program gave */
	__be16 port;		/* the published port */
	__u16 pad;
};

/* The programs, in attach order; links pinned as links/hostpub_<name>. */
#define SL_HOSTPUB_PROGS	4
#define SL_HOSTPUB_NAMES	{ "connect4", "sendmsg4", "recvmsg4", "getpeername4" }

#endif
