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
	struct tcfwd *skel;
	char what[64];
	int in, out, err;

	err = parse_command(argc, argv, &o, names, 2);
	if (err)
		return err;
	in = find_ifindex(names[0]);
	out = find_ifindex(names[1]);
	if (in < 0 || out < 0)
		return -ENODEV;
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
	snprintf(what, sizeof(what), "redirecting %s -> peer of %s (tc)", names[0], names[1]);
	err = run_tc_ingress(bpf_program__fd(skel->progs.tcfwd_redirect_peer), in, names[0], what);
out:
	tcfwd__destroy(skel);
	return err;
}
