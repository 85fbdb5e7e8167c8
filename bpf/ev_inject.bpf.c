// SPDX-License-Identifier: GPL-2.0-only
/* Events userspace tells: the daemon's connection GC runs this program (BPF_PROG_TEST_RUN)
 * with an sl_event as its context, to put "expired" into the same ring as the datapath's. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "lib/events.h"

SEC("syscall")
int sl_ev_inject(struct sl_event *in)
{
	struct sl_event *e;

	if (in->type >= SL_EV_TYPE_MAX || !sl_ev_on(in->type))
		return 0;
	e = sl_ev_reserve(in->type, in->source, in->code, in->hook);
	if (!e)
		return 0;
	__builtin_memcpy(e, in, sizeof(*e));
	e->ts = bpf_ktime_get_ns();
	bpf_ringbuf_submit(e, 0);
	return 1;
}

char LICENSE[] SEC("license") = "GPL";
