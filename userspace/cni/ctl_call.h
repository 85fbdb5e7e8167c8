/* SPDX-License-Identifier: MIT */
/* The CNI plugin's calls into the controller library: commands run in-process with their
 * output captured (stdout is the plugin's result), the instance opened for reading. */
#ifndef SLUICE_CNI_CTL_CALL_H
#define SLUICE_CNI_CTL_CALL_H

#include <stdbool.h>
#include "cni.h"
#include "ctl.h"

typedef int (*cmd_fn)(struct ctl *c, int argc, char **argv);
/* FN (cmd_switch, cmd_port, ...) on INSTANCE with the NULL-terminated words after it. */
int ctl_call(const char *instance, cmd_fn fn, ...) __attribute__((sentinel));
int ctl_callv(const char *instance, cmd_fn fn, int argc, char **argv);
/* Open INSTANCE quietly (it may not exist yet); instance_close() when done. */
int ctl_open(struct ctl *c, const char *instance);
void capture_begin(void);
void capture_end(bool failed);

#endif
