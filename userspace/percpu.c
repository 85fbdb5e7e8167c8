// SPDX-License-Identifier: MIT
/* Per-CPU counters summed over the CPUs (percpu.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "percpu.h"

int percpu_sum(int fd, __u32 key, void *out, size_t size)
{
	int ncpu = libbpf_num_possible_cpus();
	size_t words = size / sizeof(__u64), stride = (size + 7) & ~7ul;
	char *per = ncpu > 0 ? calloc(ncpu, stride) : NULL;

	memset(out, 0, size);
	if (!per || bpf_map_lookup_elem(fd, &key, per)) {
		int e = per ? errno : ENOMEM;

		free(per);
		errno = e;
		return -1;
	}
	for (int c = 0; c < ncpu; c++)
		for (size_t w = 0; w < words; w++)
			((__u64 *)out)[w] += ((__u64 *)(per + c * stride))[w];
	free(per);
	return 0;
}
