#!/bin/bash
# Runs the test suites (unit, net, netdevsim by default; guest on demand) or named tests, shows
# every result line, and prints "N passed, N failed" last. Exit status 1 on any failure.
#
#   selftests/run.sh [-j N] [SUITE | TEST]...      selftests/run.sh --list [FILE[:MODE]]...
#   SUITE: lint, unit, net, netdevsim, guest.  TEST: a namespace test file (test_nat, test_nat.sh,
#   test_nat:xdp for one mode), named tests in it (test_switch:xdp:mac_move, any mode:
#   'test_vlan::trunk*', several: test_nat::'a*,b') or a unit test name / prefix
#   (unit:tc_trunk). --list (or the argument list) prints the named tests, FILE:MODE:NAME.
# Independent jobs (each namespace test file in each of its modes, the test VM) run -j at a
# time (default: the number of CPUs); each job's output is shown whole when it ends.
set -u
cd "$(dirname "$0")/.."

JOBS=$(nproc)
if [ "${1:-}" = -j ]; then JOBS=$2; shift 2; fi
RUNNER=selftests/net/runner.sh

# list [FILE[:MODE]]...: every named test of those files (all by default), one a line.
list() {
	local a f m
	[ $# = 0 ] && set -- selftests/net/test_*.sh
	for a in "$@"; do
		f=${a%%:*} m=
		[ "$f" != "$a" ] && m=${a#*:} && m=${m%%:*}
		f=selftests/net/$(basename "${f%.sh}").sh
		grep -q 'runner\.sh' "$f" || {	# not yet converted to named tests
			echo "# $(basename "$f" .sh): no named tests, runs whole (modes: $(bash $RUNNER --modes "$f"))"
			continue
		}
		bash $RUNNER --list "$f" $m | sed "s|^\([^ ]*\) \([^ ]*\)|$(basename "$f" .sh):\1:\2|"
	done
}
case ${1:-} in
--list) shift; list "$@"; exit 0 ;;
list) list; exit 0 ;;
esac
ARGS=("$@")
[ ${#ARGS[@]} = 0 ] && ARGS=(lint unit net netdevsim)
# The test VM is the longest job: start it first.
for i in "${!ARGS[@]}"; do
	[ "${ARGS[$i]}" = netdevsim ] && ARGS=(netdevsim "${ARGS[@]:0:$i}" "${ARGS[@]:$((i + 1))}") && break
done
DIR=$(mktemp -d /tmp/sluice-test.XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null; wait; rm -rf "$DIR"' EXIT
trap 'exit 130' INT TERM
pass=0 fail=0 skipped=0 njobs=0 running=0
declare -A LABEL START LOGF

# tally LOG RC LABEL: count its ok/FAIL lines (a job that failed without one counts once).
tally() {
	local log=$1 rc=$2 label=$3 p f
	p=$(grep -cE '^ok ' "$log")
	f=$(grep -cE '^FAIL ' "$log")
	if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		echo "FAIL $label: exited $rc without a failing test line"
		f=1
	fi
	pass=$((pass + p)); fail=$((fail + f)); skipped=$((skipped + $(grep -cE '^skip ' "$log")))
}

# run LABEL COMMAND...: in the foreground, streaming its output.
run() {
	local label=$1 rc; shift
	echo "== $label"
	"$@" 2>&1 | tee "$DIR/fg.log"
	rc=${PIPESTATUS[0]}
	tally "$DIR/fg.log" "$rc" "$label"
}

# finish_one: wait for any job, print its output whole, count it.
finish_one() {
	local id rc
	wait -n -p id
	rc=$?
	[ -n "$id" ] || { running=0; return; }
	echo "== ${LABEL[$id]} ($(($(date +%s) - START[$id])) s)"
	cat "${LOGF[$id]}"
	tally "${LOGF[$id]}" "$rc" "${LABEL[$id]}"
	running=$((running - 1))
}

# spawn LABEL COMMAND...: start a job once fewer than JOBS run.
spawn() {
	local label=$1; shift
	while [ "$running" -ge "$JOBS" ]; do finish_one; done
	njobs=$((njobs + 1))
	# through a pipe, as in the foreground: a test's tools may write to their stdout at offsets
	( "$@" </dev/null 2>&1 | cat >"$DIR/job$njobs.log"; exit "${PIPESTATUS[0]}" ) &
	LABEL[$!]=$label START[$!]=$(date +%s) LOGF[$!]=$DIR/job$njobs.log
	running=$((running + 1))
}

# net_file FILE [MODE [GLOBS]]: the file in MODE, or in each mode its "# modes:" line names;
# with GLOBS (comma-separated), only its named tests that match, in the modes that have one.
net_file() {
	local t=$1 m modes sel=${3:-} n any=
	modes=${2:-$(sed -n 's/^# modes: //p' "$t")}
	if [ -n "$sel" ] && ! grep -q 'runner\.sh' "$t"; then
		echo "$(basename "$t") has no named tests yet: run it whole (${t##*/}[:MODE])"; exit 2
	fi
	for m in ${modes:-tc}; do
		if [ -n "$sel" ]; then
			n=$(bash $RUNNER --list "$t" "$m" | awk '{ print $2 }' | while read -r name; do
				IFS=, read -ra gs <<<"$sel"
				# shellcheck disable=SC2053  # g is a glob
				for g in "${gs[@]}"; do [[ $name == $g ]] && { echo "$name"; break; }; done
			done)
			[ -n "$n" ] || continue
			any=1
			spawn "net $(basename "$t") $m $sel" bash "$t" "$m" "$sel"
		else
			spawn "net $(basename "$t") $m" bash "$t" "$m"
		fi
	done
	[ -z "$sel" ] || [ -n "$any" ] || { echo "no test in $(basename "$t") ${2:+mode $2 }matches $sel (selftests/run.sh --list)"; exit 2; }
}

unit() {
	run unit build/unit_tests "$@"
	[ $# = 0 ] || return 0
	# saved fuzz inputs (seeds and every crash found) replayed without libFuzzer
	local r n
	for r in build/fuzz/*_replay; do
		n=$(basename "$r" _replay)
		run "fuzz-regress $n" "$r" "$n" "selftests/fuzz/seeds/$n" "selftests/fuzz/regress/$n"
	done
}

# The controller's structure (issue #11: no include circle in userspace/, no file over 500
# lines, no function over 80): one result, with the findings when it fails.
lint() {
	run lint sh -c 'python3 tools/lint/structure.py && echo "ok lint.structure" ||
		{ echo "FAIL lint.structure"; exit 1; }'
}

for a in "${ARGS[@]}"; do
	case $a in
	lint) lint ;;
	unit) unit ;;
	unit:*) unit -t "${a#unit:}" ;;
	net) for t in selftests/net/test_*.sh; do net_file "$t"; done ;;
	# In one boot of the test VM (Debian's 6.1 kernel): netdevsim tests and the unit tests.
	netdevsim) spawn netdevsim selftests/vm/run.sh --timeout 2400 -- selftests/netdevsim/run.sh ;;
	# The unit and namespace suites again in the test VM: too slow under TCG for the default.
	guest) run guest selftests/vm/run.sh --timeout 3600 -- selftests/run.sh -j 1 unit net ;;
	test_*)	# test_FILE[:MODE[:TESTS]]
		IFS=: read -r f m sel <<<"$a"
		f=selftests/net/${f%.sh}.sh
		[ -f "$f" ] || { echo "no test file $f (ls selftests/net/test_*.sh)"; exit 2; }
		net_file "$f" "$m" "$sel" ;;
	*) echo "unknown suite or test $a (lint, unit, unit:NAME, net, netdevsim, guest, test_FILE[:MODE[:TEST]], list)"
	   exit 2 ;;
	esac
done
while [ "$running" -gt 0 ]; do finish_one; done
if [ "$skipped" = 0 ]; then echo "$pass passed, $fail failed"
else echo "$pass passed, $fail failed, $skipped skipped"; fi
[ "$fail" = 0 ]
