// SPDX-License-Identifier: MIT
/* Events the daemon tells: while a monitor asks for NAT events, the connection GC's
 * expiries go into the instance's ring through the ev_inject program (BPF_PROG_TEST_RUN). */
#include <errno.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "ctl.h"
#include "events.h"
#include "sluice_nat.h"
#include "ev_inject.skel.h"

static struct ev_inject *inj;

int ev_inject_begin(struct ctl *c)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = c->root);
	struct ev_maps m;
	uint32_t mask;

	if (ev_open(c->root, &m))
		return 0;	/* an instance from before events */
	mask = ev_mask_get(&m);
	ev_close(&m);
	if (!(mask & (1u << SL_EV_NAT)))
		return 0;	/* nobody listens: nothing to load */
	inj = ev_inject__open_opts(&opts);
	if (!inj || maps_reuse_pins(c, inj->obj) || ev_inject__load(inj)) {
		ev_inject__destroy(inj);
		inj = NULL;
		return -1;
	}
	return 0;
}

void ev_inject_end(void)
{
	ev_inject__destroy(inj);
	inj = NULL;
}

void ev_inject_conn_expired(const struct sl_nat_ct_key *k, const struct sl_nat_ct *v)
{
	struct sl_event e = { .type = SL_EV_NAT, .source = SL_EV_SRC_CONN,
			      .code = SL_EV_CONN_EXPIRED, .hook = SL_EV_HOOK_DAEMON,
			      .saddr = k->saddr, .daddr = k->daddr, .sport = k->sport,
			      .dport = k->dport, .proto = k->proto, .x_addr = v->addr,
			      .x_port = v->port, .aux = v->state };
	LIBBPF_OPTS(bpf_test_run_opts, run, .ctx_in = &e, .ctx_size_in = sizeof(e));

	if (inj)
		bpf_prog_test_run_opts(bpf_program__fd(inj->progs.sl_ev_inject), &run);
}
