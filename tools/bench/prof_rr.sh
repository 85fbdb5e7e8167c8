#!/bin/bash
# Where a NAT request/response transaction's time goes: the bench's NAT topology with each
# PATH (default: sluice and sluice-slow, i.e. the fast path on and off; iptables too if
# named), `build/rr` for TIME seconds under `perf record -a -F FREQ`, ROUNDS rounds
# alternating the paths. Prints transactions/s and, per group of kernel symbols, CPU µs
# per transaction (both CPUs; a sample is 1/FREQ s) next to the wall time of one.
# WHAT=tcp: one iperf3 TCP stream instead, and the unit is 64 KiB moved, not a transaction.
# usage: tools/bench/prof_rr.sh [PATH...]   (root; removes what it made on exit)
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
RUNS=1 TIME=${TIME:-3}
FREQ=${FREQ:-10000}
ROUNDS=${ROUNDS:-2}
export WHAT=${WHAT:-rr}
. "$HERE/lib.sh"
. "$HERE/topo.sh"
. "$HERE/measure.sh"
PATHS=("$@")
[ ${#PATHS[@]} = 0 ] && PATHS=(sluice sluice-slow)

# One round of PATH: rr under perf; "symbol samples" appended to $WORK/PATH.syms, the
# transactions to $WORK/PATH.tx.
profile_rr() {
	local path=$1 prof
	topo_nat "$path" || { echo "prof_rr: topology $path failed" >&2; return 1; }
	perf record -q -a -F "$FREQ" -o "$WORK/perf.data" -- sleep $((TIME + 1)) 2>/dev/null &
	prof=$!
	BG_PIDS+=("$prof")
	if [ "$WHAT" = tcp ]; then
		measure_tcp prof "$path" 1 1
		wait "$prof"
		echo "== $path: $(tail -1 "$RESULTS" | cut -f5) bit/s"
		json_get "$WORK/iperf.json" 'j["end"]["sum_received"]["bytes"] / 65536' >>"$WORK/$path.tx"
	else
		measure_rr prof "$path" 1
		wait "$prof"
		echo "== $path: $(tail -1 "$RESULTS" | cut -f5) transactions/s"
		json_get "$WORK/rr.json" 'j["tps"] * '"$TIME" >>"$WORK/$path.tx"
	fi
	# rr, the softirq threads and idle (where softirqs run on an idle CPU): not the
	# neighbours' builds.
	perf report -q -n -i "$WORK/perf.data" --sort sym --stdio \
		--comms "rr,iperf3,swapper/0,swapper/1,ksoftirqd/0,ksoftirqd/1" 2>/dev/null |
		awk '$2 ~ /^[0-9]+$/ { s = $0; sub(/^.*\] /, "", s); print $2 "\t" s }' \
		>>"$WORK/$path.syms"
	topo_del
}

for _ in $(seq "$ROUNDS"); do
	for p in "${PATHS[@]}"; do profile_rr "$p" || exit 1; done
done

/usr/bin/python3 - "$WORK" "$FREQ" "$TIME" "${PATHS[@]}" <<-'PY'
import collections, re, sys
work, freq, secs, paths = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4:]
groups = [("idle (both CPUs waiting)", r"idle|halt|cpuidle|mwait|poll_idle|default_idle"),
          ("sluice BPF programs", r"^bpf_prog_.*sl_"),
          ("BPF tables, FIB, neighbour", r"htab|lru|bpf_|fib|neigh"),
          ("host forwarding: route, netfilter, bridge", r"ip_forward|ip_route|ip_rcv|ip_sublist|"
           r"nf_|nft_|ipt_|br_|ip_finish|ip_output|ip_local|inet_gro|conntrack"),
          ("veth, backlog, softirq, xmit", r"veth|backlog|net_rx|napi|softirq|netif|dev_|"
           r"xmit|skb_|gro"),
          # Timer perf books irq-off sections where interrupts come back on: the context
          # switch (finish_task_switch) and the wakeups' irqsave locks.
          ("scheduler, wakeups, context switches", r"sched|switch_to|wake|ttwu|enqueue|dequeue|"
           r"pick_|finish_task|update_curr|hrtimer|rcu|futex|ep_|select|poll|"
           r"_raw_spin_unlock_irq"),
          ("copies to and from user space", r"copy_|_iter|check_object_size|memcpy"),
          ("TCP/socket in c1 and outside", r"tcp|sock|skb|inet|ip_|sk_|__sys|sys_|do_syscall|"
           r"entry_SYSCALL|syscall"),
          ("rest", r".")]
rows = {}
for p in paths:
    tx = sum(float(l) for l in open(f"{work}/{p}.tx"))
    per = collections.Counter()
    total = 0
    for line in open(f"{work}/{p}.syms"):
        n, s = line.rstrip("\n").split("\t", 1)
        total += int(n)
        for g, rx in groups:
            if re.search(rx, s):
                per[g] += int(n)
                break
    us = 1e6 / freq / tx
    rows[p] = ({g: v * us for g, v in per.items()}, tx, total * us)
    syms = collections.Counter()
    for line in open(f"{work}/{p}.syms"):
        n, s = line.rstrip("\n").split("\t", 1)
        syms[s] += int(n) * us
    print(f"{p}: top symbols, µs per unit: " +
          ", ".join(f"{s} {v:.2f}" for s, v in syms.most_common(int(__import__("os").environ.get("TOP", "12")))))
unit = "transaction" if __import__("os").environ.get("WHAT", "rr") == "rr" else "64 KiB"
print(f"\nµs per {unit} (samples of both CPUs):")
print(f"{'group':45}" + "".join(f" {p:>12}" for p in paths))
for g, _ in groups:
    print(f"{g:45}" + "".join(f" {rows[p][0].get(g, 0):12.1f}" for p in paths))
print(f"{'all samples (2 CPUs)':45}" + "".join(f" {rows[p][2]:12.1f}" for p in paths))
rounds = {p: len(open(f"{work}/{p}.tx").readlines()) for p in paths}
print(f"{unit + 's/s':45}" + "".join(f" {rows[p][1] / secs / rounds[p]:12.0f}" for p in paths))
print(f"{'wall µs per ' + unit:45}" + "".join(f" {1e6 * secs * rounds[p] / rows[p][1]:12.1f}" for p in paths))
PY
