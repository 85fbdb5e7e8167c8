// SPDX-License-Identifier: MIT
/* What sluice needs from the process and the kernel: capabilities checked before any
 * work, and kernel BPF features probed to name the missing one when a load fails. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/bpf.h>
#include <linux/capability.h>
#include <bpf/libbpf.h>
#include "ctl.h"

#ifndef CAP_BPF
#define CAP_BPF 39	/* kernel >= 5.8; older kernels ask for CAP_SYS_ADMIN instead */
#endif

static int cap_last(void)
{
	FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "r");
	int last = CAP_BPF;

	if (f) {
		if (fscanf(f, "%d", &last) != 1)
			last = CAP_BPF;
		fclose(f);
	}
	return last;
}

int prereq_caps(void)
{
	static const struct { int cap; const char *name, *why; } need[] = {
		{ CAP_BPF, "CAP_BPF", "BPF maps and programs" },
		{ CAP_NET_ADMIN, "CAP_NET_ADMIN", "links and hooks" },
		{ CAP_SYS_ADMIN, "CAP_SYS_ADMIN", "bpffs and setns" },
	};
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = {};
	char missing[128] = "";
	size_t off = 0;
	int last = cap_last();

	if (syscall(SYS_capget, &hdr, data))
		return errf("cannot read the process capabilities: %s", strerror(errno));
	for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
		int cap = need[i].cap;

		if (cap > last || (data[cap / 32].effective >> (cap % 32) & 1))
			continue;
		off += snprintf(missing + off, sizeof(missing) - off, "%s%s (%s)", off ? ", " : "",
				need[i].name, need[i].why);
	}
	if (!off)
		return 0;
	return errf("needs root: missing %s", missing);
}

/* The kernel features the switch programs use that this kernel lacks, or NULL. */
const char *prereq_kernel_missing(void)
{
	static const struct { enum bpf_func_id fn; const char *name; } helpers[] = {
		{ BPF_FUNC_redirect_peer, "helper bpf_redirect_peer (Linux 5.10)" },
		{ BPF_FUNC_loop, "helper bpf_loop (Linux 5.17)" },
	};
	static char missing[256];
	size_t off = 0;

	if (libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_SCHED_CLS, NULL) != 1)
		return "tc BPF programs (CONFIG_NET_CLS_BPF)";
	if (libbpf_probe_bpf_map_type(BPF_MAP_TYPE_DEVMAP_HASH, NULL) != 1)
		off += snprintf(missing, sizeof(missing), "DEVMAP_HASH maps (Linux 5.4)");
	for (size_t i = 0; i < sizeof(helpers) / sizeof(helpers[0]); i++)
		if (libbpf_probe_bpf_helper(BPF_PROG_TYPE_SCHED_CLS, helpers[i].fn, NULL) != 1 &&
		    off < sizeof(missing))
			off += snprintf(missing + off, sizeof(missing) - off, "%s%s",
					off ? ", " : "", helpers[i].name);
	return off ? missing : NULL;
}
