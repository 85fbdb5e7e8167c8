#!/bin/bash
# Runs the test suites (unit, net, netdevsim by default; guest on demand), shows every
# result line, and prints "N passed, N failed" last. Exit status 1 on any failure.
set -u
cd "$(dirname "$0")/.."

SUITES=("$@")
[ ${#SUITES[@]} = 0 ] && SUITES=(unit net netdevsim)
LOG=$(mktemp /tmp/sluice-test.XXXXXX)
trap 'rm -f "$LOG"' EXIT
pass=0 fail=0

# run LABEL COMMAND...: stream its output, count its ok/FAIL lines.
run() {
	local label=$1 rc; shift
	echo "== $label"
	"$@" 2>&1 | tee "$LOG"
	rc=${PIPESTATUS[0]}
	local p f
	p=$(grep -cE '^ok ' "$LOG")
	f=$(grep -cE '^FAIL ' "$LOG")
	if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		echo "FAIL $label: exited $rc without a failing test line"
		f=1
	fi
	pass=$((pass + p)); fail=$((fail + f))
}

for s in "${SUITES[@]}"; do
	case $s in
	unit)
		run unit build/unit_tests
		# saved fuzz inputs (seeds and every crash found) replayed without libFuzzer
		for r in build/fuzz/*_replay; do
			n=$(basename "$r" _replay)
			run "fuzz-regress $n" "$r" "$n" "selftests/fuzz/seeds/$n" "selftests/fuzz/regress/$n"
		done ;;
	net)
		# Each test file says which port modes it runs in: "# modes: tc xdp".
		for t in selftests/net/test_*.sh; do
			modes=$(sed -n 's/^# modes: //p' "$t")
			for m in ${modes:-tc}; do run "net $(basename "$t") $m" bash "$t" "$m"; done
		done ;;
	# In one boot of the test VM (Debian's 6.1 kernel): netdevsim tests and the unit tests.
	netdevsim) run netdevsim selftests/vm/run.sh -- selftests/netdevsim/run.sh ;;
	# The unit and namespace suites again in the test VM: too slow under TCG for the default.
	guest) run guest selftests/vm/run.sh --timeout 3600 -- selftests/run.sh unit net ;;
	*) echo "unknown suite $s (unit, net, netdevsim, guest)"; exit 2 ;;
	esac
done
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
