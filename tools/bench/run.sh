#!/bin/bash
# `make bench`: sluice side by side with the Linux bridge, iptables/nftables masquerade and a
# minimal XDP redirect, measured repeatedly in one run; writes bench/results/{latest.md,pps.png}.
#
# usage: tools/bench/run.sh [-r RUNS] [-t SECONDS] [-s SECTIONS] [-o DIR]
#   -r RUNS      repetitions of every measurement (default 3; the report shows median, min-max)
#   -t SECONDS   length of each traffic measurement (default 3)
#   -s SECTIONS  comma-separated subset of l2,vlan,nat,nat6,ct,ctl,mon,overlay,publish (default all)
#   -o DIR       where latest.md, pps.png and the raw results go (default bench/results)
# Environment: GEN_CPU (pktgen's CPU, default auto: the idlest), CTL_PORTS (500), CTL_RUNS (3),
# FDB_ENTRIES (10000), NEW_FLOWS (60000), KEEP_WORK=1 keeps /tmp/$PFX for debugging.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
CMDLINE="tools/bench/run.sh${*:+ $*}"
RUNS=3 TIME=3 SECTIONS=l2,vlan,nat,nat6,ct,ctl,mon,overlay,publish OUT=
while getopts "r:t:s:o:h" opt; do
	case $opt in
	r) RUNS=$OPTARG ;;
	t) TIME=$OPTARG ;;
	s) SECTIONS=$OPTARG ;;
	o) OUT=$OPTARG ;;
	h) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) exit 2 ;;
	esac
done
case $RUNS$TIME in *[!0-9]*) echo "sluice bench: -r and -t take whole numbers" >&2; exit 2 ;; esac
[ "$(id -u)" = 0 ] || { echo "sluice bench: needs root (namespaces, BPF)" >&2; exit 1; }
CTL_RUNS=${CTL_RUNS:-$RUNS}

. "$HERE/lib.sh"
. "$HERE/topo.sh"
. "$HERE/measure.sh"
. "$HERE/l2.sh"
. "$HERE/vlan.sh"
. "$HERE/nat.sh"
. "$HERE/nat6.sh"
. "$HERE/ct.sh"
. "$HERE/ctl.sh"
. "$HERE/mon.sh"
. "$HERE/overlay.sh"
. "$HERE/publish.sh"
OUT=${OUT:-$ROOT/bench/results}
mkdir -p "$OUT" || exit 1

for tool in gnuplot iperf3 bpftool ethtool taskset; do
	command -v $tool >/dev/null || { echo "sluice bench: $tool missing (make deps)" >&2; exit 1; }
done

# The machine is shared: what else ran is part of the result.
meta() {
	printf '%s\t%s\n' "$1" "$2" >>"$WORK/meta.tsv"
}
: >"$WORK/meta.tsv"
meta date "$(date -u '+%Y-%m-%d %H:%M UTC')"
meta cpu "$(nproc) x $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)"
meta kernel "$(uname -r)"
meta command "$CMDLINE"
meta commit "$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null)$(git -C "$ROOT" status --porcelain 2>/dev/null | grep -q . && echo ' (with uncommitted changes)')"
meta runs "$RUNS runs of ${TIME} s each; pktgen: 1 thread on $([ "$GEN_CPU" = auto ] && echo "the idlest CPU" || echo "CPU $GEN_CPU"), 64-byte frames (60 on the wire), batch 64"
meta ctl_ports "$CTL_PORTS"
meta fdb_entries "$FDB_ENTRIES"
meta load_start "$(cut -d' ' -f1-3 /proc/loadavg) ($(ip netns list | wc -l) network namespaces)"
START=$EPOCHREALTIME

for s in ${SECTIONS//,/ }; do
	case $s in
	l2|vlan|nat|nat6|ct|ctl|mon|overlay|publish) "bench_$s" ;;
	*) echo "sluice bench: unknown section $s (l2, vlan, nat, nat6, ct, ctl, mon, overlay, publish)" >&2; exit 2 ;;
	esac
done

meta load_end "$(cut -d' ' -f1-3 /proc/loadavg) ($(ip netns list | wc -l) network namespaces)"
meta duration "$(echo "$START $EPOCHREALTIME" | awk '{ printf "%.0f s", $2 - $1 }')"
cp "$RESULTS" "$OUT/latest.tsv"
/usr/bin/python3 "$HERE/report.py" --results "$RESULTS" --meta "$WORK/meta.tsv" \
	--notes "$NOTES" --out "$OUT" || exit 1
if [ -s "$OUT/pps.dat" ]; then
	gnuplot -e "datafile='$OUT/pps.dat'; outfile='$OUT/pps.png'" "$HERE/pps.gp" || exit 1
fi
rm -f "$OUT/pps.dat"
cat "$OUT/latest.md"
echo "sluice bench: wrote $OUT/latest.md, $OUT/pps.png"
