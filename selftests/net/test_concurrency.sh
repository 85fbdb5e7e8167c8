#!/bin/bash
# Commands racing on one instance are serialised by the lock on its pin root: many
# `port add`/`port del` (plus an upgrade and fdb changes) at once all succeed or fail
# with one clear line, and ports, links and flood lists come out consistent. Queries share
# the lock with each other, never with a change.
# modes: tc
. "$(dirname "$0")/lib.sh"

N=8
fixture() {
	sl switch add sw0 addr 10.33.0.1/24 || return 1
	for i in $(seq 1 $N) dup; do ns_add c$i || return 1; done
}

# Start every command at once; each writes its exit status and stderr to a file.
race() {
	local i pids=()
	for i in $(seq 1 $N); do
		( sl port add sw0 p-c$i netns "$PFX-c$i" addr 10.33.0.1$i/24 2>"/tmp/$PFX-add$i.err"
		  echo $? >"/tmp/$PFX-add$i.rc" ) &
		pids+=($!)
	done
	# two commands for one name: exactly one may win
	for i in a b; do
		( sl port add sw0 p-dup netns "$PFX-cdup" ifname "e$i" 2>"/tmp/$PFX-dup$i.err"
		  echo $? >"/tmp/$PFX-dup$i.rc" ) &
		pids+=($!)
	done
	( sl upgrade >/dev/null 2>"/tmp/$PFX-upg.err"; echo $? >"/tmp/$PFX-upg.rc" ) &
	pids+=($!)
	( sl fdb add sw0 02:00:00:00:33:01 port sw0-gw 2>"/tmp/$PFX-fdb.err"
	  echo $? >"/tmp/$PFX-fdb.rc" ) &
	pids+=($!)
	wait "${pids[@]}"
}

all_adds_succeed() {
	local i bad=0
	for i in $(seq 1 $N); do
		[ "$(cat "/tmp/$PFX-add$i.rc")" = 0 ] || { echo "p-c$i: $(cat "/tmp/$PFX-add$i.err")"; bad=1; }
	done
	[ "$(cat "/tmp/$PFX-upg.rc")" = 0 ] || { echo "upgrade: $(cat "/tmp/$PFX-upg.err")"; bad=1; }
	[ "$(cat "/tmp/$PFX-fdb.rc")" = 0 ] || { echo "fdb: $(cat "/tmp/$PFX-fdb.err")"; bad=1; }
	return $bad
}

one_of_two_wins() {
	local a b msg
	a=$(cat "/tmp/$PFX-dupa.rc"); b=$(cat "/tmp/$PFX-dupb.rc")
	msg=$(cat "/tmp/$PFX-dupa.err" "/tmp/$PFX-dupb.err")
	echo "rc $a $b: $msg"
	[ $((a + b)) = 1 ] && [ "$(printf '%s\n' "$msg" | grep -c .)" = 1 ] &&
		printf '%s' "$msg" | grep -qE "^sluice: (port p-dup already exists|device p-dup already exists in the host netns)$" &&
		[ "$(in_ns cdup ip -o link show | grep -c ': e[ab]@')" = 1 ]
}

# Ports map, hooks and the VLAN 1 flood list all name the same set of ports. A port's hook is a
# clsact filter on every kernel (no tcx link: its grace period would slow `port add`).
consistent() {
	local want=$1 ports ifx members links n hooks_ok=1
	ports=$(sl -j port show)
	ifx=$(jq -r '.[].ifindex' <<<"$ports" | sort -n | tr '\n' ' ')
	members=$(bpftool -j map dump pinned "/sys/fs/bpf/sluice/$PFX/sl_flood" |
		jq -r '.[].formatted | select(.key.vid == 1) | .value | .ifindex[:.count][]' | sort -n | tr '\n' ' ')
	links=$(ls "/sys/fs/bpf/sluice/$PFX/links" | sort | tr '\n' ' ')
	echo "ports $(jq -r '[.[].name] | sort | join(",")' <<<"$ports"), links $links, flood $members"
	[ -z "$links" ] || hooks_ok=0
	for n in $(jq -r '.[].name' <<<"$ports"); do
		[ "$(tc -n "$HOST" filter show ingress dev "$n" | grep -c sl_tc_ingress)" = 1 ] ||
			{ echo "port $n: not one sl_tc_ingress filter"; hooks_ok=0; }
	done
	# the flood list holds each port once: the sorted lists of ifindexes are equal
	[ "$(jq length <<<"$ports")" = "$want" ] && [ "$members" = "$ifx" ] && [ $hooks_ok = 1 ]
}

reach_all() {
	local i
	for i in $(seq 2 $N); do ping_ok c1 10.33.0.1$i || { echo "c1 -> c$i"; return 1; }; done
}

# Every command at once, then a check per outcome.
test_race() {
	race
	check race.parallel_port_adds_all_succeed all_adds_succeed
	check race.same_name_one_wins_one_fails_clearly one_of_two_wins
	# N containers + p-dup + the gateway leg
	check race.ports_links_and_flood_list_agree consistent $((N + 2))
	check race.every_new_port_forwards reach_all
}

# Now remove them all at once, while ports are being shown and stats read.
#@ after=race
test_parallel_dels() {
	local i pids=()
	for i in $(seq 1 $N) dup; do ( sl port del p-c$i 2>/dev/null; sl port del p-dup 2>/dev/null ) & pids+=($!); done
	for i in 1 2 3; do ( sl port show >/dev/null; sl stats >/dev/null ) & pids+=($!); done
	wait "${pids[@]}"
	check race.parallel_port_dels_leave_only_the_gateway consistent 1
	check race.no_veth_left test -z "$(ip -n "$HOST" -o link show | grep -E 'p-(c[0-9]|dup)')"
}

# hold_lock SH|EX SECONDS: hold the instance lock (an flock on the pin root) as a command
# does; returns once it is held (at most 10 s), with HOLDER the holder's PID.
hold_lock() {
	local i held=/tmp/$PFX-held
	rm -f "$held"
	python3 -c 'import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDONLY | os.O_DIRECTORY)
fcntl.flock(fd, fcntl.LOCK_SH if sys.argv[2] == "SH" else fcntl.LOCK_EX)
open(sys.argv[4], "w").close()
time.sleep(float(sys.argv[3]))' "/sys/fs/bpf/sluice/$PFX" "$1" "$2" "$held" &
	HOLDER=$!
	for i in $(seq 100); do [ -e "$held" ] && return 0; sleep 0.1; done
	return 1
}

# Queries run while another query holds the lock: they share it (two `fdb show` at once).
queries_share_the_lock() {
	local t0 rc=0
	hold_lock SH 20 || return 1
	t0=$EPOCHREALTIME
	sl fdb show >/dev/null && sl -j fdb show >/dev/null && sl port show >/dev/null &&
		sl stats >/dev/null && sl switch show >/dev/null && sl vlan show >/dev/null || rc=1
	kill "$HOLDER"; wait "$HOLDER" 2>/dev/null
	echo "queries took $(awk "BEGIN { print $EPOCHREALTIME - $t0 }") s beside a shared holder"
	[ $rc = 0 ] && awk "BEGIN { exit !($EPOCHREALTIME - $t0 < 15) }"
}
test_queries_run_beside_another_query() { check lock.queries_run_beside_another_query queries_share_the_lock; }

# A change still waits for every query to finish, and a query for a change.
changes_wait_for_queries() {
	local t0 t1 t2
	hold_lock SH 2 || return 1
	t0=$EPOCHREALTIME
	sl fdb add sw0 02:00:00:00:33:02 port sw0-gw || return 1
	t1=$EPOCHREALTIME
	wait "$HOLDER"
	hold_lock EX 2 || return 1
	t2=$EPOCHREALTIME
	sl fdb show | grep -q 02:00:00:00:33:02 || return 1
	wait "$HOLDER"
	echo "fdb add waited $(awk "BEGIN { print $t1 - $t0 }") s, fdb show $(awk "BEGIN { print $EPOCHREALTIME - $t2 }") s"
	awk "BEGIN { exit !($t1 - $t0 >= 1.5 && $EPOCHREALTIME - $t2 >= 1.5) }"
}
test_changes_and_queries_exclude_each_other() {
	check lock.changes_and_queries_exclude_each_other changes_wait_for_queries
}

. "$(dirname "$0")/runner.sh"
