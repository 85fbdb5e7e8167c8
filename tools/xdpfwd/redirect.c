/* SPDX-License-Identifier: MIT */
/* `xdpfwd redirect IN OUT`: points the DEVMAP at OUT, attaches the redirect program to IN and
 * holds the link until a signal; closing the link detaches it. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "attach.h"
#include "cmd.h"
#include "xdpfwd.skel.h"

/* OUT's ifindex is resolved and written from this process, in the same netns as IN. */
static int set_tx_port(struct xdpfwd *skel, int out_ifindex, const char *out)
{
	__u32 key = 0, val = out_ifindex;

	if (bpf_map_update_elem(bpf_map__fd(skel->maps.tx_port), &key, &val, BPF_ANY)) {
		fprintf(stderr, "xdpfwd: %s as DEVMAP target: %s\n", out, strerror(errno));
		return -errno;
	}
	return 0;
}

int cmd_redirect(int argc, char **argv)
{
	struct common_opts o;
	const char *names[2];
	struct xdpfwd *skel = NULL;
	int in, out, link = -1, err;

	err = parse_command(argc, argv, &o, names, 2);
	if (err)
		return err;
	in = find_ifindex(names[0]);
	out = find_ifindex(names[1]);
	if (in < 0 || out < 0)
		return -ENODEV;
	skel = xdpfwd__open();
	if (!skel) {
		fprintf(stderr, "xdpfwd: opening xdpfwd.bpf.o: %s\n", strerror(errno));
		return -errno;
	}
	bpf_program__set_autoload(skel->progs.xdpfwd_sink, false);
	err = xdpfwd__load(skel);
	if (err) {
		fprintf(stderr, "xdpfwd: loading xdpfwd.bpf.o: %s\n", strerror(-err));
		goto out;
	}
	err = set_tx_port(skel, out, names[1]);
	if (err)
		goto out;
	link = attach_xdp(bpf_program__fd(skel->progs.xdpfwd_redirect), in, names[0], o.generic);
	if (link < 0) {
		err = link;
		goto out;
	}
	printf("xdpfwd: redirecting %s -> %s (%s XDP) until SIGINT/SIGTERM\n", names[0], names[1],
	       o.generic ? "generic" : "native");
	fflush(stdout);
	wait_for_signal(0);
	printf("xdpfwd: detached from %s\n", names[0]);
out:
	if (link >= 0)
		close(link);
	xdpfwd__destroy(skel);
	return err;
}
