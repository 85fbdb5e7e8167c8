/* SPDX-License-Identifier: MIT */
/* xdpfwd's attachment: bpf_link_create(BPF_XDP) with an explicit mode, so a native attach
 * that the driver refuses fails loudly instead of falling back to generic. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <net/if.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include "attach.h"

int find_ifindex(const char *ifname)
{
	int ifindex = if_nametoindex(ifname);

	if (!ifindex) {
		fprintf(stderr, "xdpfwd: %s: no such interface in this netns\n", ifname);
		return -ENODEV;
	}
	return ifindex;
}

int attach_xdp(int prog_fd, int ifindex, const char *ifname, bool generic)
{
	LIBBPF_OPTS(bpf_link_create_opts, opts,
		.flags = generic ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE);
	int fd = bpf_link_create(prog_fd, ifindex, BPF_XDP, &opts);

	if (fd < 0)
		fprintf(stderr, "xdpfwd: attaching %s XDP to %s: %s%s\n",
			generic ? "generic" : "native", ifname, strerror(errno),
			errno == EBUSY || errno == EEXIST ? " (another XDP program is attached)" : "");
	return fd < 0 ? -errno : fd;
}
