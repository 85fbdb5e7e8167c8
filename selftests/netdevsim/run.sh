#!/bin/bash
# The netdevsim suite in one boot of the test VM (selftests/vm/run.sh -- selftests/netdevsim/run.sh):
# the unit tests on the guest kernel (every program through its verifier), smoke.sh, test_*.sh.
set -u
cd "$(dirname "$0")/../.."
if ! grep -qw sluice_vm=1 /proc/cmdline; then
	echo "FAIL netdevsim: not in the sluice test VM; run: selftests/vm/run.sh -- $0"
	exit 1
fi
rc=0
# step LABEL COMMAND...: its result lines carry the guest kernel, apart from the host's.
step() {
	local label=$1; shift
	echo "== $label on $(uname -r)"
	"$@" 2>&1 | sed -u "s/^\(ok\|FAIL\) /\1 [$(uname -r | cut -d- -f1)] /"
	[ "${PIPESTATUS[0]}" = 0 ] || rc=1
}
step unit build/unit_tests
step smoke selftests/netdevsim/smoke.sh
for t in selftests/netdevsim/test_*.sh; do step "$(basename "$t")" bash "$t"; done
exit $rc
