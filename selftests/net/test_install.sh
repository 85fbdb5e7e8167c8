#!/bin/bash
# Installed like a system component: `make install`/`uninstall` into a temporary prefix and
# DESTDIR, the man pages render, bash completion completes, and the commands of
# sluice@.service restore a saved instance at "boot", skip the restore on a restart and run
# the daemon.
# modes: tc
. "$(dirname "$0")/lib.sh"

T=/tmp/$PFX-inst
# The test VM mounts the tree read-only: nothing can be built or staged from it there.
touch "$ROOT/build/.writable" 2>/dev/null || { echo "# skip: $ROOT/build is read-only"; exit 0; }
mk() { make -s -C "$ROOT" "$@" >/dev/null; }

# DESTDIR staging, as a package build does
test_destdir() {
	check install_destdir mk install DESTDIR="$T/dest" PREFIX=/usr
	check installed_files eval 'for f in usr/sbin/sluice usr/lib/cni/sluice usr/share/man/man8/sluice.8 \
		usr/share/man/man8/sluice-cni.8 usr/lib/systemd/system/sluice@.service \
		usr/share/bash-completion/completions/sluice; do [ -s "$T/dest/$f" ] || { echo "missing $f"; exit 1; }; done;
		[ -x "$T/dest/usr/sbin/sluice" ] && [ -x "$T/dest/usr/lib/cni/sluice" ]'
	check installed_version eval '[ "$("$T/dest/usr/sbin/sluice" --version)" = "$("$SLUICE" --version)" ]'
	check installed_cni_plugin_answers eval 'echo "{\"cniVersion\":\"1.0.0\"}" | CNI_COMMAND=VERSION "$T/dest/usr/lib/cni/sluice" | grep -q supportedVersions'
	check man_sluice_renders eval 'MANWIDTH=80 man -l "$T/dest/usr/share/man/man8/sluice.8" 2>/dev/null | grep -q "sluice - eBPF virtual switch"'
	check man_sluice_cni_renders eval 'MANWIDTH=80 man -l "$T/dest/usr/share/man/man8/sluice-cni.8" 2>/dev/null | grep -q "CNI plugin"'
	check unit_names_installed_paths eval 'grep -q "^ExecStart=/usr/sbin/sluice --instance %i daemon$" "$T/dest/usr/lib/systemd/system/sluice@.service"'
	check uninstall_destdir eval 'mk uninstall DESTDIR="$T/dest" PREFIX=/usr && [ -z "$(find "$T/dest" -type f)" ]'
}

# Completion
complete_of() {	# WORDS...: what _sluice offers for the last word
	bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _sluice; echo "${COMPREPLY[*]}"' \
		_ "$ROOT/dist/sluice.bash-completion" "$@"
}
test_completion() {
	check completion_objects eval '[ "$(complete_of sluice sw)" = switch ]'
	check completion_verbs eval '[ "$(complete_of sluice port a)" = add ]'
	check completion_xdp_modes eval '[ "$(complete_of sluice port set p0 xdp n)" = native ]'
}

# The unit's own commands, installed to a real prefix, run in the host netns.
UNIT=$T/usr/lib/systemd/system/sluice@.service
unit_cmds() {	# KEY: the unit's KEY= lines, %i replaced
	sed -n "s/^$1=//p" "$UNIT" | sed "s/%i/$PFX/g"
}
in_host() { nsenter --net="/var/run/netns/$HOST" "$@"; }
run_pre() { unit_cmds ExecStartPre | while read -r cmd; do eval "in_host $cmd" || exit 1; done; }
test_unit() {
	check install_prefix mk install PREFIX="$T/usr" CNIDIR="$T/cni" SYSCONFDIR="$T/etc"
	if command -v systemd-analyze >/dev/null; then
		cp "$UNIT" "$T/sluice@$PFX.service"
		check unit_verifies eval 'out=$(systemd-analyze verify --man=no "$T/sluice@$PFX.service" 2>&1); ! printf "%s" "$out" | grep -i "sluice@"'
	fi
	sl switch add sw0 addr 10.82.0.1/24 || return 1
	ns_add c1 && sl port add sw0 p-c1 netns "$PFX-c1" addr 10.82.0.11/24 || return 1
	sl save "$T/etc/sluice/$PFX.conf" || return 1
	sl switch del sw0	# a reboot: the instance is gone
	ip netns del "$PFX-c1"; ns_add c1
	check unit_pre_restores eval 'run_pre && sl port show p-c1 >/dev/null'
	check unit_restored_traffic ping_ok c1 10.82.0.1
	check unit_pre_again_is_noop eval 'run_pre && [ "$(sl port show | wc -l)" = 2 ]'
	# exec all the way down, so that the PID killed is the daemon's
	(eval "exec nsenter --net=/var/run/netns/$HOST $(unit_cmds ExecStart)" >/dev/null 2>&1) &
	DPID=$!; BG_PIDS+=("$DPID")
	pause 1.5
	check unit_daemon_runs eval 'kill -0 "$DPID" && grep -q "daemon" "/proc/$DPID/cmdline"'
	kill "$DPID"; wait "$DPID" 2>/dev/null
	check uninstall_prefix eval 'mk uninstall PREFIX="$T/usr" CNIDIR="$T/cni" SYSCONFDIR="$T/etc" &&
		[ "$(find "$T/usr" "$T/cni" -type f | wc -l)" = 0 ] && [ -s "$T/etc/sluice/$PFX.conf" ]'
}

. "$(dirname "$0")/runner.sh"
