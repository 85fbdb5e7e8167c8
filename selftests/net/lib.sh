# Shared topology helpers for the namespace tests: unique names, one sluice
# instance per test file, and a cleanup trap that removes everything on exit.
# shellcheck shell=bash
set -u

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SLUICE=$ROOT/build/sluice
PFX=${PFX:-sl$$}		# every namespace, instance and pin of this run carries it
HOST=$PFX-host
# In the test VM (qemu TCG, selftests/vm) everything runs several times slower: thresholds on
# time, rate or count are divided, waits multiplied by SLOW.
SLOW=1
grep -qw sluice_vm=1 /proc/cmdline 2>/dev/null && SLOW=10
# pause SECONDS: sleep, SLOW times longer in the test VM (a server starting, a daemon round).
pause() { sleep "$(awk -v s="$1" -v k="$SLOW" 'BEGIN { print s * k }')"; }
NAMESPACES=()
BG_PIDS=()
PASS=0
FAIL=0

# Create namespace $PFX-NAME with lo up; the host namespace is made on first use.
ns_add() {
	local ns=$PFX-$1
	ip netns add "$ns" || return 1
	NAMESPACES+=("$ns")
	echo "$ns" >>"/tmp/$PFX-namespaces"	# a check runs in a subshell: its NAMESPACES+= is lost
	ip -n "$ns" link set lo up
	# No IPv6 chatter (DAD, router solicitations): only the tests' own traffic moves the FDB.
	# NS_IPV6=1 (set before sourcing this file) keeps IPv6 on, for the IPv6 tests.
	[ "${NS_IPV6:-0}" = 1 ] ||
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
}

# sluice on this test's instance, managing this test's host namespace.
sl() { "$SLUICE" --instance "$PFX" --netns "$HOST" "$@"; }

# Run a command inside namespace $PFX-NAME.
in_ns() { local ns=$PFX-$1; shift; ip netns exec "$ns" "$@"; }

# Start a command in the background inside $PFX-NAME; its PID lands in BG_PID.
# Its output goes to $PFX-bg.log, never to a pipe a check() is reading.
bg_ns() {
	local ns=$PFX-$1; shift
	ip netns exec "$ns" "$@" >>"/tmp/$PFX-bg.log" 2>&1 &
	BG_PID=$!; BG_PIDS+=("$BG_PID")
}

# Start the daemon on this instance in the background (PID in DAEMON_PID).
daemon_start() { "$SLUICE" --instance "$PFX" --netns "$HOST" daemon "$@" 2>/dev/null & DAEMON_PID=$!; BG_PIDS+=("$DAEMON_PID"); }

cleanup() {
	local pid ns
	for pid in "${BG_PIDS[@]}"; do kill "$pid" 2>/dev/null; done
	for pid in "${BG_PIDS[@]}"; do wait "$pid" 2>/dev/null; done
	for sw in $(sl -j switch show 2>/dev/null |
		python3 -c 'import json,sys; [print(s["name"]) for s in json.load(sys.stdin)]' 2>/dev/null); do
		sl switch del "$sw" 2>/dev/null
	done
	for ns in "${NAMESPACES[@]}" $(cat "/tmp/$PFX-namespaces" 2>/dev/null); do
		ip netns del "$ns" 2>/dev/null
	done
	rm -rf "/sys/fs/bpf/sluice/$PFX" "/sys/fs/bpf/sluice/$PFX-"* "/tmp/$PFX-"*	# and inner instances
	rmdir /sys/fs/bpf/sluice 2>/dev/null
	return 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
ns_add host

# check NAME COMMAND...: run COMMAND, print "ok NAME" or "FAIL NAME" (with its output).
check() {
	local name=$1 out; shift
	if out=$("$@" 2>&1); then
		echo "ok $name"; PASS=$((PASS + 1))
	else
		echo "FAIL $name"; FAIL=$((FAIL + 1))
		printf '%s\n' "$out" | tail -15 | sed 's/^/    /'
	fi
}

# skip NAME WHY: a check that cannot run here (a missing tool or kernel feature), counted apart.
skip() { echo "skip $1: $2"; }

# sl_json FILTER ARGS...: `sl -j ARGS` through the jq FILTER, raw output (one value a line).
sl_json() { local f=$1; shift; sl -j "$@" | jq -r "$f"; }

# fails NAME PATTERN COMMAND...: COMMAND must exit 1 with one stderr line matching PATTERN.
fails() {
	local name=$1 pat=$2 out rc; shift 2
	out=$("$@" 2>&1 >/dev/null); rc=$?
	if [ "$rc" = 1 ] && [ "$(printf '%s\n' "$out" | wc -l)" = 1 ] && printf '%s' "$out" | grep -qE -- "$pat"; then
		echo "ok $name"; PASS=$((PASS + 1))
	else
		echo "FAIL $name"; FAIL=$((FAIL + 1))
		echo "    exit $rc, stderr: $out (wanted: $pat)"
	fi
}

# Everything sluice and the kernel hold for this test: links in every namespace and pins.
snapshot() {
	local ns
	for ns in "${NAMESPACES[@]}"; do
		[ -e "/var/run/netns/$ns" ] || continue
		echo "== $ns"; ip -n "$ns" -o link show | awk '{print $2}'
	done
	find "/sys/fs/bpf/sluice/$PFX" 2>/dev/null | sort
	sl -j port show 2>/dev/null; sl -j fdb show 2>/dev/null | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))' 2>/dev/null
}

# A container: namespace NAME on SWITCH with address ADDR, extra port options after.
container_add() {
	local name=$1 sw=$2 addr=$3; shift 3
	ns_add "$name" && sl port add "$sw" "p-$name" netns "$PFX-$name" addr "$addr" "$@"
}

# The subnets the NAT leaves untranslated, as its trie holds them: "A.B.C.D/LEN " each, sorted.
nat_local_subnets() {
	bpftool -j map dump pinned "/sys/fs/bpf/sluice/$PFX/sl_nat_local" | /usr/bin/python3 -c '
import json, sys
for e in json.load(sys.stdin):
    k = [int(b, 16) for b in e["key"]]
    print("%d.%d.%d.%d/%d" % (*k[4:8], k[0]))' | sort | tr '\n' ' '
}

# ping_ok FROM ADDR: a few pings, all answered.
ping_ok() { in_ns "$1" ping -c 2 -i 0.2 -W 1 -q "$2" >/dev/null; }
ping_fails() { ! in_ns "$1" ping -c 2 -i 0.2 -W 1 -q "$2" >/dev/null; }

# 802.1Q peers on AF_PACKET sockets (vlan_peer.py), for namespaces without 8021q.
PEER=$ROOT/selftests/net/vlan_peer.py
# listen NS IFACE [--answer VID/IP ...]: log every frame IFACE in NS receives.
listen() {
	local ns=$1 ifc=$2 log=/tmp/$PFX-$1-$2.log; shift 2
	bg_ns "$ns" /usr/bin/python3 "$PEER" listen "$ifc" "$log" --timeout 110 "$@"
	for _ in $(seq 50); do grep -q ready "$log" 2>/dev/null && return 0; sleep 0.1; done
	echo "listener on $ns/$ifc did not start"; return 1
}
# seen NS IFACE EXPR: some frame logged there satisfies the Python expression EXPR over f.
seen() {
	/usr/bin/python3 - "/tmp/$PFX-$1-$2.log" "$3" <<'PY'
import json, sys
frames = [json.loads(l) for l in open(sys.argv[1]) if '"ready"' not in l]
sys.exit(0 if any(eval(sys.argv[2], {}, {"f": f}) for f in frames) else 1)
PY
}
unseen() { ! seen "$@"; }
# all_seen NS IFACE FILTER EXPR: frames matching FILTER exist and all satisfy EXPR.
all_seen() {
	seen "$1" "$2" "$3" && ! seen "$1" "$2" "($3) and not ($4)"
}

summary() { echo "# $(basename "$0"): $PASS passed, $FAIL failed"; [ "$FAIL" = 0 ]; }
