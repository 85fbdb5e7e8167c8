// SPDX-License-Identifier: MIT
/* Calls into the controller library from the CNI plugin: each runs a command in-process
 * with its output captured, so stdout stays the plugin's result and a refusal becomes the
 * error object's details. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include "ctl_call.h"

static int saved_out = -1, saved_err = -1, cap_fd = -1;

void capture_begin(void)
{
	fflush(stdout);
	fflush(stderr);
	cap_fd = memfd_create("sluice-ctl", MFD_CLOEXEC);
	if (cap_fd < 0)
		return;
	saved_out = dup(1);
	saved_err = dup(2);
	dup2(cap_fd, 1);
	dup2(cap_fd, 2);
}

/* Restore stdout and stderr; the controller's warnings, and on FAILED its errors, go on to
 * stderr (the runtime logs it); its last error line becomes the error object's details. */
void capture_end(bool failed)
{
	char buf[4096], *line, *save = NULL, *last = NULL;
	ssize_t n;

	if (cap_fd < 0)
		return;
	fflush(stdout);
	fflush(stderr);
	dup2(saved_out, 1);
	dup2(saved_err, 2);
	close(saved_out);
	close(saved_err);
	n = pread(cap_fd, buf, sizeof(buf) - 1, 0);
	close(cap_fd);
	cap_fd = -1;
	buf[n > 0 ? n : 0] = '\0';
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		bool error = !strncmp(line, "sluice: ", 8) && strncmp(line, "sluice: warning", 15) &&
			     strncmp(line, "sluice: note", 12);

		if (error)
			last = line + 8;
		if (failed || !error)	/* a probe's miss (no instance yet) is no news */
			fprintf(stderr, "%s\n", line);
	}
	if (failed && last && !cni_err.details[0])
		snprintf(cni_err.details, sizeof(cni_err.details), "%s", last);
}

int ctl_call(const char *instance, cmd_fn fn, ...)
{
	struct ctl c = { .instance = instance, .lock_fd = -1 };
	char *argv[32];
	int argc = 0, ret;
	va_list ap;

	va_start(ap, fn);
	while (argc < 31 && (argv[argc] = va_arg(ap, char *)))
		argc++;
	va_end(ap);
	argv[argc] = NULL;
	capture_begin();
	ret = fn(&c, argc, argv);
	instance_close(&c);
	capture_end(ret != 0);
	return ret;
}

int ctl_callv(const char *instance, cmd_fn fn, int argc, char **argv)
{
	struct ctl c = { .instance = instance, .lock_fd = -1 };
	int ret;

	capture_begin();
	ret = fn(&c, argc, argv);
	instance_close(&c);
	capture_end(ret != 0);
	return ret;
}

int ctl_open(struct ctl *c, const char *instance)
{
	int ret;

	*c = (struct ctl){ .instance = instance, .lock_fd = -1 };
	capture_begin();
	ret = instance_open(c, false);
	capture_end(false);
	if (ret)
		instance_close(c);
	return ret;
}
