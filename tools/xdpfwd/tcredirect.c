/* SPDX-License-Identifier: MIT */
/* `xdpfwd tcredirect IN OUT`: a tc ingress program on IN sends every frame into OUT's peer
 * (bpf_redirect_peer) until a signal; the clsact hook is removed again if this made it. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "attach.h"
#include "cmd.h"
#include "tcfwd.skel.h"

int cmd_tcredirect(int argc, char **argv)
{
	struct common_opts o;
	const char *names[2];
	struct tcfwd *skel = NULL;
	int in, out, err;
	bool made_hook = false;

	err = parse_command(argc, argv, &o, names, 2);
	if (err)
		return err;
	in = find_ifindex(names[0]);
	out = find_ifindex(names[1]);
	if (in < 0 || out < 0)
		return -ENODEV;
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = in, .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, tc, .handle = 1, .priority = 1);
	skel = tcfwd__open();
	if (!skel) {
		fprintf(stderr, "xdpfwd: opening tcfwd.bpf.o: %s\n", strerror(errno));
		return -errno;
	}
	skel->rodata->out_ifindex = out;
	err = tcfwd__load(skel);
	if (err) {
		fprintf(stderr, "xdpfwd: loading tcfwd.bpf.o: %s\n", strerror(-err));
		goto out;
	}
	err = bpf_tc_hook_create(&hook);
	if (err && err != -EEXIST) {
		fprintf(stderr, "xdpfwd: clsact on %s: %s\n", names[0], strerror(-err));
		goto out;
	}
	made_hook = !err;
	tc.prog_fd = bpf_program__fd(skel->progs.tcfwd_redirect_peer);
	err = bpf_tc_attach(&hook, &tc);
	if (err) {
		fprintf(stderr, "xdpfwd: tc ingress on %s: %s\n", names[0], strerror(-err));
		goto out;
	}
	printf("xdpfwd: redirecting %s -> peer of %s (tc) until SIGINT/SIGTERM\n", names[0],
	       names[1]);
	fflush(stdout);
	wait_for_signal(0);
	tc.prog_fd = tc.prog_id = tc.flags = 0;
	bpf_tc_detach(&hook, &tc);
	printf("xdpfwd: detached from %s\n", names[0]);
out:
	if (made_hook) {
		hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
		bpf_tc_hook_destroy(&hook);
	}
	tcfwd__destroy(skel);
	return err;
}
