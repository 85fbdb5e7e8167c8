/* SPDX-License-Identifier: MIT */
/* `xdpfwd tcmac IN OUT NEXTHOP_MAC`: a tc ingress program on IN rewrites each frame's MACs
 * (NEXTHOP_MAC as destination, OUT's MAC as source) and redirects it out of OUT, until a
 * signal: the NAT bench's ceiling. The clsact hook is removed again if this made it. */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "attach.h"
#include "cmd.h"
#include "tcmac.skel.h"

static int parse_mac(const char *s, unsigned char *mac)
{
	unsigned int b[6];
	char tail;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5],
		   &tail) != 6) {
		fprintf(stderr, "xdpfwd tcmac: '%s' is not a MAC address (aa:bb:cc:dd:ee:ff)\n", s);
		return -EINVAL;
	}
	for (int i = 0; i < 6; i++) {
		if (b[i] > 0xff) {
			fprintf(stderr, "xdpfwd tcmac: '%s' is not a MAC address\n", s);
			return -EINVAL;
		}
		mac[i] = (unsigned char)b[i];
	}
	return 0;
}

static int own_mac(const char *ifname, unsigned char *mac)
{
	struct ifreq ifr = {};
	int fd = socket(AF_INET, SOCK_DGRAM, 0), err = 0;

	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0) {
		err = -errno;
		fprintf(stderr, "xdpfwd tcmac: MAC of %s: %s\n", ifname, strerror(errno));
	} else {
		memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	}
	close(fd);
	return err;
}

int cmd_tcmac(int argc, char **argv)
{
	struct common_opts o;
	const char *names[3];
	unsigned char macs[12];
	struct tcmac *skel;
	char what[64];
	int in, out, err;

	err = parse_command(argc, argv, &o, names, 3);
	if (err)
		return err;
	in = find_ifindex(names[0]);
	out = find_ifindex(names[1]);
	if (in < 0 || out < 0)
		return -ENODEV;
	err = parse_mac(names[2], macs);
	if (!err)
		err = own_mac(names[1], macs + 6);
	if (err)
		return err;
	skel = tcmac__open();
	if (!skel) {
		fprintf(stderr, "xdpfwd: opening tcmac.bpf.o: %s\n", strerror(errno));
		return -errno;
	}
	skel->rodata->out_ifindex = out;
	memcpy((void *)skel->rodata->macs, macs, sizeof(macs));
	err = tcmac__load(skel);
	if (err) {
		fprintf(stderr, "xdpfwd: loading tcmac.bpf.o: %s\n", strerror(-err));
		goto out;
	}
	snprintf(what, sizeof(what), "%s -> %s with MACs rewritten (tc)", names[0], names[1]);
	err = run_tc_ingress(bpf_program__fd(skel->progs.tcmac_redirect), in, names[0], what);
out:
	tcmac__destroy(skel);
	return err;
}
