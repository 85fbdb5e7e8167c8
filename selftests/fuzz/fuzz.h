/* SPDX-License-Identifier: MIT */
/* What the datapath fuzz harnesses share besides the unit fixture (stub_runner.c). */
#ifndef SLUICE_FUZZ_H
#define SLUICE_FUZZ_H

/* Move the process into a network namespace of its own, without IPv6 chatter, and
 * silence libbpf: the fixture's veths and every frame they send stay in there. */
void fuzz_isolate(void);

#endif
