/* SPDX-License-Identifier: MIT */
/* `sluice upgrade`'s undo journal (upgrade_swap.c): the new programs, and every hook moved
 * to one of them (pinned tcx links, clsact filters), kept to move it back if a later step
 * fails. upgrade.c loads the programs, stages the pins and runs the steps. */
#ifndef SLUICE_UPGRADE_SWAP_H
#define SLUICE_UPGRADE_SWAP_H

#include <limits.h>
#include <stdbool.h>
#include <linux/bpf.h>
#include "ctl.h"
#include "hook.h"

#define NEW_PROGS_MAX	24
#define SWAPS_MAX	(2 * SL_PORTS_MAX + 16)

/* A program of this build, loaded on the instance's maps, by its kernel name. */
struct new_prog {
	char name[BPF_OBJ_NAME_LEN];
	int fd;
};

/* One hook moved to a new program, kept to move it back if a later one fails. */
struct swap {
	int link_fd;		/* -1: a clsact filter, at hook */
	struct clsact_hook {
		int ifindex;
		enum hook_kind kind;
		bool old;	/* at the older builds' priority */
	} hook;
	int ns_fd;		/* the hook's netns (an endpoint's), or -1: the host's */
	int old_fd;
};

struct upgrade {
	struct new_prog np[NEW_PROGS_MAX];
	int nnp;
	struct swap *sw;
	int nsw;
	char pin[NEW_PROGS_MAX][NAME_MAX];	/* prog_* leaves under the pin root */
	int npins;
	int links, clsact;
};

/* OLD_FD's program name into NAME: 0, or -errno. */
int prog_name_of(int prog_fd, char name[BPF_OBJ_NAME_LEN]);
/* The new program of the same name as OLD_FD's, or NULL. */
const struct new_prog *new_prog_find(const struct upgrade *u, int old_fd);
/* Every pinned link of the instance at its new program (a macvlan endpoint's at its own
 * copy): 0, or -1 printed. */
int links_swap(struct ctl *c, struct upgrade *u);
/* The same for the clsact filters of kernels without tcx. */
int clsact_swap(struct ctl *c, struct upgrade *u);
/* Move every swapped hook back to its old program, newest first. */
void swaps_undo(struct upgrade *u);
/* Keep the swaps: drop the old programs and the fds held for an undo. */
void swaps_release(struct upgrade *u);

#endif
