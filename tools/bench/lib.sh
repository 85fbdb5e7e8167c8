# Benchmark plumbing shared by every section: unique names, background processes,
# the results file, and the cleanup trap that leaves no namespace, pin or process behind.
# shellcheck shell=bash
set -u

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PFX=${PFX:-bn$$}		# every namespace, instance and temp file of this run carries it
WORK=/tmp/$PFX
BUILD=$WORK/bin			# a copy: others may rebuild build/ while we measure
SLUICE=$BUILD/sluice
RESULTS=$WORK/results.tsv	# section, metric, path, run, value, unit (one line per run)
NOTES=$WORK/notes.txt		# one line per remark the report must carry
NAMESPACES=()
INSTANCES=()
BG_PIDS=()

mkdir -p "$BUILD"
for _ in 1 2 3 4 5; do	# a copy taken mid-link is caught here and taken again
	cp "$ROOT/build/sluice" "$ROOT/build/pktgen" "$ROOT/build/xdpfwd" "$ROOT/build/tablecost" \
		"$ROOT/build/rr" "$BUILD/" &&
		"$SLUICE" --help >/dev/null && "$BUILD/pktgen" -h >/dev/null && break
	sleep 2
done
: >"$RESULTS"
: >"$NOTES"

cleanup() {
	local pid ns inst
	for pid in "${BG_PIDS[@]}"; do kill "$pid" 2>/dev/null; done
	for pid in "${BG_PIDS[@]}"; do wait "$pid" 2>/dev/null; done
	for ns in "${NAMESPACES[@]}"; do ip netns del "$ns" 2>/dev/null; done
	for inst in "${INSTANCES[@]}"; do rm -rf "/sys/fs/bpf/sluice/$inst"; done
	rmdir /sys/fs/bpf/sluice 2>/dev/null
	[ "${KEEP_WORK:-0}" = 1 ] || rm -rf "$WORK"
	return 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf

log() { printf '  %-6s %s\n' "$1" "$2" >&2; }

# Create namespace NAME (full name) with lo up and no IPv6 chatter.
ns_add() {
	ip netns add "$1" || return 1
	NAMESPACES+=("$1")
	ip -n "$1" link set lo up
	ip netns exec "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1
}

ns_del() {
	local ns=$1 i
	ip netns del "$ns" 2>/dev/null
	for i in "${!NAMESPACES[@]}"; do [ "${NAMESPACES[$i]}" = "$ns" ] && unset "NAMESPACES[$i]"; done
}

# Start a command in the background inside namespace NS; PID in BG_PID, output to FILE.
bg_ns() {
	local ns=$1 out=$2; shift 2
	ip netns exec "$ns" "$@" >"$out" 2>&1 &
	BG_PID=$!
	BG_PIDS+=("$BG_PID")
}

# Stop a background PID started here (SIGNAL, default TERM) and reap it.
bg_stop() {
	local pid=$1 sig=${2:-TERM} i
	kill "-$sig" "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	for i in "${!BG_PIDS[@]}"; do [ "${BG_PIDS[$i]}" = "$pid" ] && unset "BG_PIDS[$i]"; done
	return 0
}

# record SECTION METRIC PATH RUN VALUE UNIT: one measured value (VALUE may be a word
# such as "pending" or "n/a", with the reason in a note).
record() { printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$RESULTS"; }

note() { printf '%s\n' "$*" >>"$NOTES"; log note "$*"; }

# mac_of NS DEV
mac_of() { ip netns exec "$1" cat "/sys/class/net/$2/address"; }

# json_get FILE EXPR: one value out of a JSON file (EXPR indexes the parsed object j).
json_get() { /usr/bin/python3 -c "import json,sys; j=json.load(open(sys.argv[1])); print($2)" "$1"; }
