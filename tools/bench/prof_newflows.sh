#!/bin/bash
# What the first packet of a NAT flow costs against a packet of a known flow: the bench's
# NAT topology with sluice (fast path on), pktgen sending one new UDP flow per frame, then
# one flow, under `perf record` on the sender's CPU (GEN_CPU, default 1); prints the sink's
# rate and the hottest BPF programs and map/FIB functions (Debian's bpftool is built
# without `prog profile`).
# usage: tools/bench/prof_newflows.sh [FRAMES]   (root; removes what it made on exit)
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
RUNS=1 TIME=${TIME:-2}
GEN_CPU=${GEN_CPU:-1}	# pktgen and, with it, the whole receive path: the CPU perf watches
. "$HERE/lib.sh"
. "$HERE/topo.sh"
. "$HERE/measure.sh"
FRAMES=${1:-60000}

# profile LABEL ARGS...: perf's view of the system while pktgen sends with ARGS.
profile() {
	local label=$1 prof
	shift
	perf record -q -C "$GEN_CPU" -o "$WORK/perf.data" -- sleep $((TIME + 1)) 2>/dev/null &
	prof=$!
	BG_PIDS+=("$prof")
	sleep 0.3
	measure_pps prof "$label" sluice 1 "$@"
	wait "$prof"
	echo "== $label: $(tail -1 "$RESULTS" | cut -f5) pps at the sink; share of all samples:"
	perf report -q -i "$WORK/perf.data" --sort sym --stdio 2>/dev/null |
		grep -E 'bpf_prog_|htab|lru|fib|bpf_map|memcpy|pcpu|jhash|ktime' | head -${TOP:-25}
}

topo_nat sluice || { echo "prof_newflows: topology failed" >&2; exit 1; }
profile newflows -n "$FRAMES" -f "$FRAMES" --sport 2000
profile knownflow
topo_del
