// SPDX-License-Identifier: MIT
/* The unit runner's interface for the fuzz harnesses, which reuse the unit fixture:
 * a failed assertion there is a harness or kernel refusal and aborts (libFuzzer saves it). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "runner.h"
#include "fuzz.h"

void runner_register(const char *name, test_fn fn)
{
}

void runner_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "fuzz: %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

/* The fixture lives as long as the process. */
void runner_defer(void (*fn)(void *), void *arg)
{
}

bool runner_verbose(void)
{
	return false;
}

void runner_check_mem(const char *file, int line, const char *what,
		      const void *got, size_t got_len, const void *want, size_t want_len)
{
	if (got_len != want_len || memcmp(got, want, got_len))
		runner_fail(file, line, "%s differs", what);
}

void fuzz_isolate(void)
{
	int fd;

	if (unshare(CLONE_NEWNET))
		runner_fail(__FILE__, __LINE__, "unshare(CLONE_NEWNET): run as root");
	fd = open("/proc/sys/net/ipv6/conf/default/disable_ipv6", O_WRONLY);
	if (fd >= 0) {
		if (write(fd, "1", 1) != 1)
			runner_fail(__FILE__, __LINE__, "disable IPv6");
		close(fd);
	}
	libbpf_set_print(NULL);
}
