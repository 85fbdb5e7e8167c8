/* SPDX-License-Identifier: MIT */
/* Reading per-CPU counters: one value of a PERCPU_ARRAY summed over the CPUs. */
#ifndef SLUICE_PERCPU_H
#define SLUICE_PERCPU_H

#include <stddef.h>
#include <linux/types.h>

/* Sum the per-CPU value at KEY of map FD (SIZE bytes of __u64 counters) into OUT (zeroed
 * first): 0, or -1 with errno set. */
int percpu_sum(int fd, __u32 key, void *out, size_t size);

#endif
