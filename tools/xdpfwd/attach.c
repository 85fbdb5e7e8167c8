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
#include <bpf/libbpf.h>
#include "attach.h"
#include "cmd.h"

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

int run_tc_ingress(int prog_fd, int ifindex, const char *ifname, const char *what)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, tc, .handle = 1, .priority = 1, .prog_fd = prog_fd);
	bool made_hook;
	int err;

	err = bpf_tc_hook_create(&hook);
	if (err && err != -EEXIST) {
		fprintf(stderr, "xdpfwd: clsact on %s: %s\n", ifname, strerror(-err));
		return err;
	}
	made_hook = !err;
	err = bpf_tc_attach(&hook, &tc);
	if (err) {
		fprintf(stderr, "xdpfwd: tc ingress on %s: %s\n", ifname, strerror(-err));
	} else {
		printf("xdpfwd: %s until SIGINT/SIGTERM\n", what);
		fflush(stdout);
		wait_for_signal(0);
		tc.prog_fd = tc.prog_id = tc.flags = 0;
		bpf_tc_detach(&hook, &tc);
		printf("xdpfwd: detached from %s\n", ifname);
	}
	if (made_hook) {
		hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
		bpf_tc_hook_destroy(&hook);
	}
	return err;
}
