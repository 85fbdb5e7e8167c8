// SPDX-License-Identifier: MIT
/* This binary's version and commit, and the record of which build loaded an instance's
 * programs: `sluice --version`, `switch show -j`, `upgrade` and the CNI plugin report them. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "build_id.h"		/* generated: SLUICE_VERSION, SLUICE_COMMIT */
#include "build_info.h"

const char *build_id(void)
{
	return SLUICE_VERSION " (" SLUICE_COMMIT ")";
}

static void build_path(struct ctl *c, char path[PATH_MAX])
{
	snprintf(path, PATH_MAX, "%s/%s", c->root, SL_PIN_BUILD);
}

int build_record(struct ctl *c)
{
	char path[PATH_MAX], val[BUILD_ID_LEN] = {};
	__u32 key = 0;
	int fd, ret = 0;

	build_path(c, path);
	fd = bpf_obj_get(path);
	if (fd < 0) {
		/* An array map: bpffs holds only BPF objects, and programs cannot read it. */
		fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "sl_build", sizeof(key), sizeof(val), 1,
				    NULL);
		if (fd < 0)
			return errf("create the build record: %s", strerror(errno));
		if (bpf_obj_pin(fd, path))
			ret = errf("pin %s: %s", path, strerror(errno));
	}
	snprintf(val, sizeof(val), "%s", build_id());
	if (!ret && bpf_map_update_elem(fd, &key, val, BPF_ANY))
		ret = errf("write %s: %s", path, strerror(errno));
	close(fd);
	return ret;
}

int build_loaded(struct ctl *c, char buf[BUILD_ID_LEN])
{
	char path[PATH_MAX];
	__u32 key = 0;
	int fd, ret = 0;

	build_path(c, path);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -ENOENT;
	if (bpf_map_lookup_elem(fd, &key, buf) || !buf[0])
		ret = -ENOENT;
	buf[BUILD_ID_LEN - 1] = '\0';
	close(fd);
	return ret;
}

void build_unpin(struct ctl *c)
{
	char path[PATH_MAX];

	build_path(c, path);
	unlink(path);
}
