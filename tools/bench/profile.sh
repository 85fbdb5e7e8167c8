#!/bin/bash
# Per-run cost of the switch programs under load: ns per run (BPF_ENABLE_STATS, held only by
# this script) and, where the CPU exposes a PMU, `bpftool prog profile` cycles/instructions.
# usage: tools/bench/profile.sh [-t SECONDS] [PATH...]   (PATH: sluice-xdp sluice-tc, [vlan])
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
TIME=2 RUNS=1 GEN_CPU=${GEN_CPU:-auto}
[ "${1:-}" = -t ] && { TIME=$2; shift 2; }
[ "$(id -u)" = 0 ] || { echo "profile: needs root (namespaces, BPF)" >&2; exit 1; }
. "$HERE/lib.sh"
. "$HERE/topo.sh"
. "$HERE/measure.sh"

# stats_of PIN: "run_cnt run_time_ns" of the pinned program.
stats_of() {
	bpftool -j prog show pinned "$1" | python3 -c \
		'import json,sys; j=json.load(sys.stdin); print(j.get("run_cnt",0), j.get("run_time_ns",0))'
}

# profile_path PATH [vlan]: pktgen through PATH; per-run ns of the programs that ran.
profile_path() {
	local path=$1 vlan=${2:-} pin prog a b
	topo_l2 "$path" $vlan || { topo_del; return 1; }
	# BPF_ENABLE_STATS (cmd 32): statistics on while this helper holds the fd.
	python3 -c 'import ctypes,struct,time,sys
libc=ctypes.CDLL(None,use_errno=True); attr=struct.pack("I",0)+bytes(124)
fd=libc.syscall(321,32,attr,len(attr))
sys.exit(1) if fd<0 else time.sleep(float(sys.argv[1]))' $((TIME + 4)) &
	local stats=$!
	sleep 0.5
	for prog in prog_xdp prog_tc; do
		pin=/sys/fs/bpf/sluice/$INST/$prog
		eval "before_$prog=\"$(stats_of "$pin")\""
	done
	(sleep 1; bpftool prog profile pinned "/sys/fs/bpf/sluice/$INST/prog_$([ "$path" = sluice-xdp ] && echo xdp || echo tc)" \
		duration 1 cycles instructions >"$WORK/profile.txt" 2>&1) &
	local prof=$!
	measure_pps prof pps "$path$vlan" 1
	wait "$prof"
	for prog in prog_xdp prog_tc; do
		pin=/sys/fs/bpf/sluice/$INST/$prog
		eval "a=(\$before_$prog)"
		b=($(stats_of "$pin"))
		if [ "${b[0]}" -gt "${a[0]}" ]; then
			printf '%-12s %-5s %-9s runs %10d  ns/run %6.1f\n' "$path" "${vlan:-l2}" "$prog" \
				$((b[0] - a[0])) "$(echo "(${b[1]} - ${a[1]}) / (${b[0]} - ${a[0]})" | bc -l)"
		fi
	done
	sed 's/^/    profile: /' "$WORK/profile.txt" | grep -v '^    profile: *$'
	kill "$stats" 2>/dev/null; wait "$stats" 2>/dev/null
	topo_del
}

PATHS=("$@")
[ ${#PATHS[@]} -gt 0 ] || PATHS=(sluice-xdp sluice-tc)
for p in "${PATHS[@]}"; do
	profile_path "$p"
	profile_path "$p" vlan
done
awk -F'\t' '{ printf "%-20s %s %s\n", $3, $5, $6 }' "$RESULTS"
