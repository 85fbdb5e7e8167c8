// SPDX-License-Identifier: MIT
/* The instance's event maps: open, switch event types on and off, count what was lost,
 * make sure only one consumer reads the ring, and unpin them with the instance. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "events.h"

static int pin_get(const char *root, const char *leaf)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", root, leaf);
	return bpf_obj_get(path);
}

void ev_close(struct ev_maps *m)
{
	int *fds[] = { &m->ring, &m->cfg, &m->lost, &m->lock_fd };

	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
}

int ev_open(const char *root, struct ev_maps *m)
{
	m->lock_fd = -1;
	m->ring = pin_get(root, SL_PIN_EV_RING);
	m->cfg = pin_get(root, SL_PIN_EV_CFG);
	m->lost = pin_get(root, SL_PIN_EV_LOST);
	if (m->ring < 0 || m->cfg < 0 || m->lost < 0) {
		ev_close(m);
		return -ENOENT;
	}
	return 0;
}

/* The lock is an flock on the cfg map's pin: it goes with the consumer, however it dies. */
int ev_lock(const char *root, struct ev_maps *m)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", root, SL_PIN_EV_CFG);
	m->lock_fd = open(path, O_RDONLY | O_CLOEXEC);
	if (m->lock_fd < 0)
		return -errno;
	if (flock(m->lock_fd, LOCK_EX | LOCK_NB)) {
		close(m->lock_fd);
		m->lock_fd = -1;
		return -EBUSY;
	}
	return 0;
}

bool ev_consumer_alive(const char *root)
{
	char path[PATH_MAX];
	int fd, busy;

	snprintf(path, sizeof(path), "%s/%s", root, SL_PIN_EV_CFG);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	busy = flock(fd, LOCK_EX | LOCK_NB) != 0;
	close(fd);		/* drops the probe's lock, if it got one */
	return busy;
}

int ev_mask_set(struct ev_maps *m, uint32_t mask)
{
	struct sl_ev_cfg cfg = { .mask = mask };
	__u32 zero = 0;

	return bpf_map_update_elem(m->cfg, &zero, &cfg, BPF_ANY) ? -errno : 0;
}

uint32_t ev_mask_get(struct ev_maps *m)
{
	struct sl_ev_cfg cfg = {};
	__u32 zero = 0;

	bpf_map_lookup_elem(m->cfg, &zero, &cfg);
	return cfg.mask;
}

uint64_t ev_lost(struct ev_maps *m)
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t *per, sum = 0;
	__u32 zero = 0;

	if (ncpu <= 0 || !(per = calloc(ncpu, sizeof(*per))))
		return 0;
	if (bpf_map_lookup_elem(m->lost, &zero, per) == 0)
		for (int i = 0; i < ncpu; i++)
			sum += per[i];
	free(per);
	return sum;
}

void ev_unpin(const char *root)
{
	const char *leaves[] = { SL_PIN_EV_RING, SL_PIN_EV_CFG, SL_PIN_EV_LOST,
				 SL_PIN_PROG_EV_INJECT };
	char path[PATH_MAX];

	for (size_t i = 0; i < sizeof(leaves) / sizeof(leaves[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", root, leaves[i]);
		unlink(path);
	}
}

void ev_reap_stale(struct ctl *c)
{
	struct ev_maps m;

	if (ev_open(c->root, &m))
		return;
	if (ev_mask_get(&m) && !ev_consumer_alive(c->root)) {
		ev_mask_set(&m, 0);
		fprintf(stderr, "sluice daemon: events were on with no monitor: switched off\n");
	}
	ev_close(&m);
}
