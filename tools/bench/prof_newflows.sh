#!/bin/bash
# What the first packet of a NAT flow costs against a packet of a known flow: the bench's
# NAT topology (PATH: sluice, the default, sluice-slow or iptables), pktgen sending one new
# UDP flow per frame (ROUNDS rounds of FRAMES frames, each on a fresh topology, as the bench
# measures them), then one known flow, under `perf record -F FREQ` on the sender's CPU
# (GEN_CPU, default 1), which runs pktgen and the whole path in its softirq.
# Prints the sink's rates and, per group of kernel symbols, CPU ns per frame for new and
# known flows and their difference: the per-new-flow cost split (docs/datapath.md).
# A sample is 1/FREQ s of that CPU, which is saturated while pktgen sends.
# usage: tools/bench/prof_newflows.sh [PATH [FRAMES]]   (root; removes what it made on exit)
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
RUNS=1 TIME=${TIME:-2}
GEN_CPU=${GEN_CPU:-1}
FREQ=${FREQ:-20000}
ROUNDS=${ROUNDS:-4}
. "$HERE/lib.sh"
. "$HERE/topo.sh"
. "$HERE/measure.sh"
PATH_=${1:-sluice}
FRAMES=${2:-60000}

# profile LABEL ARGS...: pktgen with ARGS under perf; appends "symbol samples" to
# $WORK/LABEL.syms and the frames that arrived to $WORK/LABEL.frames.
profile() {
	local label=$1 prof
	shift
	perf record -q -F "$FREQ" -C "$GEN_CPU" -o "$WORK/perf.data" -- sleep $((TIME + 1)) \
		2>/dev/null &
	prof=$!
	BG_PIDS+=("$prof")
	sleep 0.3
	measure_pps prof "$label" "$PATH_" 1 "$@"
	wait "$prof"
	json_get "$WORK/sink.json" 'j["frames"]' >>"$WORK/$label.frames"
	echo "== $label: $(tail -1 "$RESULTS" | cut -f5) pps at the sink"
	# Only the sender and this CPU's softirq thread: not idle, not a neighbour's build.
	perf report -q -n -i "$WORK/perf.data" --comms "pktgen,ksoftirqd/$GEN_CPU" \
		--sort sym --stdio 2>/dev/null |
		awk '$2 ~ /^[0-9]+$/ { s = $0; sub(/^.*\] /, "", s); print $2 "\t" s }' \
		>>"$WORK/$label.syms"
}

for r in $(seq "$ROUNDS"); do
	topo_nat "$PATH_" || { echo "prof_newflows: topology failed" >&2; exit 1; }
	profile newflows -n "$FRAMES" -f "$FRAMES" --sport 2000
	[ "$r" = 1 ] && profile knownflow
	topo_del
done

# Groups: sluice's programs, its tables (hash/LRU/per-CPU), the FIB and neighbour
# layer, conntrack/NAT of netfilter, pktgen's own XDP, the rest of the skb path.
/usr/bin/python3 - "$WORK" "$FREQ" <<-'PY'
import collections, re, sys
work, freq = sys.argv[1], float(sys.argv[2])
groups = [# pktgen loads its program (verifier) and maps, faults its pages in, and frees
          # them at exit: once per run, booked on the frames of that run.
          ("pktgen start and exit (verifier, faults, memcg)",
           r"do_check|^check_|verifier|btf_|mm_fault|folio|clear_page|memcg|obj_cgroup"),
          ("BPF programs (sluice)", r"^bpf_prog_.*sl_"),
          ("BPF programs (pktgen, sink)", r"^bpf_prog_"),
          # The tables' bucket and LRU locks are irqsave: perf without a PMU (a timer, as in
          # this VM) books the locked section on the unlock.
          ("BPF tables: hash/LRU insert, lookup",
           r"htab|lru|bpf_map|pcpu_freelist|jhash|__bpf_|lookup_nulls|_raw_spin_unlock_irqrestore"),
          ("FIB and neighbour", r"fib|neigh|ip_route|bpf_ipv4_fib|bpf_out_neigh"),
          ("netfilter conntrack/NAT", r"nf_|nft_|ipt_|conntrack|masq"),
          ("memory (alloc/free)", r"kmem|kmalloc|kfree|slab|page_|__alloc|memcg"),
          ("skb path (veth, xmit, GRO, redirect, rest)", r".")]
def load(label):
    frames = sum(int(l) for l in open(f"{work}/{label}.frames"))
    per = collections.Counter()
    sym = collections.Counter()
    for line in open(f"{work}/{label}.syms"):
        n, s = line.rstrip("\n").split("\t", 1)
        sym[s] += int(n)
        for g, rx in groups:
            if re.search(rx, s):
                per[g] += int(n)
                break
    ns = 1e9 / freq / frames
    return {g: v * ns for g, v in per.items()}, {s: v * ns for s, v in sym.items()}, frames
new, new_sym, nf = load("newflows")
old, old_sym, kf = load("knownflow")
print(f"\nCPU ns per frame ({nf} new-flow frames, {kf} known-flow frames, {freq:.0f} Hz):")
print(f"{'group':45} {'new flow':>9} {'known':>9} {'extra':>9}")
for g, _ in groups:
    a, b = new.get(g, 0), old.get(g, 0)
    print(f"{g:45} {a:9.0f} {b:9.0f} {a - b:9.0f}")
print(f"{'total':45} {sum(new.values()):9.0f} {sum(old.values()):9.0f} "
      f"{sum(new.values()) - sum(old.values()):9.0f}")
print("\nsymbols costing a new flow most more than a known one (ns per frame):")
diff = sorted(((new_sym.get(s, 0) - old_sym.get(s, 0), s) for s in set(new_sym) | set(old_sym)),
              reverse=True)
for d, s in diff[:int(__import__("os").environ.get("TOP", "25"))]:
    print(f"{d:8.0f}  {new_sym.get(s, 0):8.0f} {old_sym.get(s, 0):8.0f}  {s}")
PY
