#!/bin/bash
# Which build is which: `sluice --version` names this binary's version and commit, and
# `switch show -j` and `upgrade` name the build whose programs the instance runs.
# modes: tc
. "$(dirname "$0")/lib.sh"

ID=$("$SLUICE" --version | sed 's/^sluice //')
COMMIT=$(git -C "$ROOT" rev-parse --short=12 HEAD 2>/dev/null)
T=version

fixture() { sl switch add sw0 addr 10.71.0.1/24; }
build_of() { sl_json '.[0].build' switch show sw0; }

test_version_names_version_and_commit() {
	check version_names_version_and_commit eval '[[ "$ID" =~ ^[0-9]+\.[0-9]+\.[0-9]+\ \(.+\)$ ]]'
}
test_version_names_head_commit() {
	if [ -n "$COMMIT" ]; then check version_names_head_commit eval '[[ "$ID" == *"$COMMIT"* ]]'
	else skip version_names_head_commit "not a git checkout"; fi
}
test_switch_show_names_loaded_build() {
	check switch_show_names_loaded_build eval '[ "$(build_of)" = "$ID" ]'
}
# An instance loaded by a build that recorded nothing reads "unknown"; upgrade records.
test_old_instance_build_unknown() {
	rm "/sys/fs/bpf/sluice/$PFX/build"
	check old_instance_build_unknown eval '[ "$(build_of)" = unknown ]'
}
#@ after=old_instance_build_unknown
test_upgrade() {
	check upgrade_says_from_and_to eval \
		'sl -j upgrade | jq -e --arg id "$ID" '"'"'.from == "unknown" and .build == $id'"'"
	check upgrade_records_build eval '[ "$(build_of)" = "$ID" ]'
}
test_no_pins_left() {
	sl switch del sw0
	check no_pins_left eval '[ ! -e "/sys/fs/bpf/sluice/$PFX" ]'
}

. "$(dirname "$0")/runner.sh"
