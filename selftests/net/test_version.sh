#!/bin/bash
# Which build is which: `sluice --version` names this binary's version and commit, and
# `switch show -j` and `upgrade` name the build whose programs the instance runs.
# modes: tc
. "$(dirname "$0")/lib.sh"

ID=$("$SLUICE" --version | sed 's/^sluice //')
COMMIT=$(git -C "$ROOT" rev-parse --short=12 HEAD 2>/dev/null)
check version_names_version_and_commit eval '[[ "$ID" =~ ^[0-9]+\.[0-9]+\.[0-9]+\ \(.+\)$ ]]'
[ -n "$COMMIT" ] && check version_names_head_commit eval '[[ "$ID" == *"$COMMIT"* ]]'

sl switch add sw0 addr 10.71.0.1/24 || exit 1
build_of() { sl -j switch show sw0 | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["build"])'; }
check switch_show_names_loaded_build eval '[ "$(build_of)" = "$ID" ]'
# An instance loaded by a build that recorded nothing reads "unknown"; upgrade records.
rm "/sys/fs/bpf/sluice/$PFX/build"
check old_instance_build_unknown eval '[ "$(build_of)" = unknown ]'
check upgrade_says_from_and_to eval 'sl -j upgrade | python3 -c "
import json,sys; o=json.load(sys.stdin); sys.exit(not (o[\"from\"] == \"unknown\" and o[\"build\"] == \"$ID\"))"'
check upgrade_records_build eval '[ "$(build_of)" = "$ID" ]'
sl switch del sw0
check no_pins_left eval '[ ! -e "/sys/fs/bpf/sluice/$PFX" ]'
summary
