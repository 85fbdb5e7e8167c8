// SPDX-License-Identifier: MIT
/* Network namespaces by name or path, and setns(2) into them. Only the network
 * namespace changes, so bpffs pins stay visible (unlike `ip netns exec`). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <linux/nsfs.h>
#include "ctl.h"

void netns_path(const char *spec, char path[PATH_MAX])
{
	if (strchr(spec, '/'))
		snprintf(path, PATH_MAX, "%s", spec);
	else
		snprintf(path, PATH_MAX, "/var/run/netns/%s", spec);
}

int netns_open(const char *spec)
{
	char path[PATH_MAX];
	int fd;

	if (!*spec)
		return errf("netns: empty name"), -EINVAL;
	netns_path(spec, path);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;

		errf("netns %s: %s (%s)", spec, strerror(e), path);
		return -e;
	}
	if (ioctl(fd, NS_GET_NSTYPE) != CLONE_NEWNET) {
		close(fd);
		errf("netns %s: %s is not a network namespace", spec, path);
		return -EINVAL;
	}
	return fd;
}

int netns_enter(int fd, const char *what)
{
	if (setns(fd, CLONE_NEWNET) < 0) {
		int e = errno;

		errf("enter netns %s: %s", what, strerror(e));
		return -e;
	}
	return 0;
}

int netns_run_fd(int fd, const char *what, int (*fn)(void *), void *arg)
{
	int host = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC), ret = -1;

	if (host < 0)
		return errf("open the current netns: %s", strerror(errno));
	if (!netns_enter(fd, what)) {
		ret = fn(arg);
		if (netns_enter(host, "back home"))
			exit(1);	/* nothing may run on in the wrong netns: an ifindex
					 * written there names another device */
	}
	close(host);
	return ret;
}

int netns_run(const char *spec, int (*fn)(void *), void *arg)
{
	int ns = netns_open(spec), ret;

	if (ns < 0)
		return -1;
	ret = netns_run_fd(ns, spec, fn, arg);
	close(ns);
	return ret;
}
