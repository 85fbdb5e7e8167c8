/* SPDX-License-Identifier: MIT */
/* pktgen's sender threads: one per CPU, pinned, each handing its whole share of the frames
 * to one long BPF_PROG_TEST_RUN call that a signal cuts short at the deadline. */
#ifndef PKTGEN_RUN_H
#define PKTGEN_RUN_H

#include <stdint.h>

struct run_cfg {
	int prog_fd;
	int ifindex;		/* transmit device: ctx ingress_ifindex, for XDP_TX */
	const void *frame;
	unsigned int frame_len;
	unsigned int batch;	/* test_run batch_size, 1..256 */
	uint64_t count;		/* total frames over all threads; 0 = until the deadline */
	double seconds;		/* deadline, always set */
	unsigned int threads;
};

/* Runs the senders to completion, the deadline or SIGINT/SIGTERM; fills *elapsed (s).
 * Returns 0 or a negative errno. Must be called from the main thread. */
int run_senders(const struct run_cfg *cfg, double *elapsed);

#endif
