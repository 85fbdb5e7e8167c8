/* SPDX-License-Identifier: MIT */
/* The tools' netns guard: is this process in a netns that `ip netns` named? The host's
 * own netns has no bind mount there, so a tool started in it refuses to run. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>
#include "netns_guard.h"

#define NETNS_DIR "/var/run/netns"

/* Match our nsfs inode against the bind mounts `ip netns add` leaves in NETNS_DIR. */
int netns_check_named(void)
{
	struct stat self, st;
	struct dirent *de;
	char path[PATH_MAX];
	DIR *dir;
	int err = -EPERM;

	if (stat("/proc/self/ns/net", &self))
		return -errno;
	dir = opendir(NETNS_DIR);
	if (!dir)
		return -EPERM;
	while ((de = readdir(dir))) {
		snprintf(path, sizeof(path), NETNS_DIR "/%s", de->d_name);
		if (de->d_name[0] != '.' && !stat(path, &st) &&
		    st.st_dev == self.st_dev && st.st_ino == self.st_ino) {
			err = 0;
			break;
		}
	}
	closedir(dir);
	return err;
}
