#!/bin/bash
# Commands racing on one instance are serialised by the lock on its pin root: many
# `port add`/`port del` (plus an upgrade and fdb changes) at once all succeed or fail
# with one clear line, and ports, links and flood lists come out consistent. Queries share
# the lock with each other, never with a change.
# modes: tc
. "$(dirname "$0")/lib.sh"

N=8
sl switch add sw0 addr 10.33.0.1/24 || exit 1
for i in $(seq 1 $N) dup; do ns_add c$i || exit 1; done

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
race

all_adds_succeed() {
	local i bad=0
	for i in $(seq 1 $N); do
		[ "$(cat "/tmp/$PFX-add$i.rc")" = 0 ] || { echo "p-c$i: $(cat "/tmp/$PFX-add$i.err")"; bad=1; }
	done
	[ "$(cat "/tmp/$PFX-upg.rc")" = 0 ] || { echo "upgrade: $(cat "/tmp/$PFX-upg.err")"; bad=1; }
	[ "$(cat "/tmp/$PFX-fdb.rc")" = 0 ] || { echo "fdb: $(cat "/tmp/$PFX-fdb.err")"; bad=1; }
	return $bad
}
check race.parallel_port_adds_all_succeed all_adds_succeed

one_of_two_wins() {
	local a b msg
	a=$(cat "/tmp/$PFX-dupa.rc"); b=$(cat "/tmp/$PFX-dupb.rc")
	msg=$(cat "/tmp/$PFX-dupa.err" "/tmp/$PFX-dupb.err")
	echo "rc $a $b: $msg"
	[ $((a + b)) = 1 ] && [ "$(printf '%s\n' "$msg" | grep -c .)" = 1 ] &&
		printf '%s' "$msg" | grep -qE "^sluice: (port p-dup already exists|device p-dup already exists in the host netns)$" &&
		[ "$(in_ns cdup ip -o link show | grep -c ': e[ab]@')" = 1 ]
}
check race.same_name_one_wins_one_fails_clearly one_of_two_wins

# Ports map, pinned links and the VLAN 1 flood list all name the same set of ports.
consistent() {
	local want="$1"
	/usr/bin/python3 - "$PFX" "$want" "$SLUICE" <<'PY'
import json, os, subprocess, sys
pfx, want, sluice = sys.argv[1], int(sys.argv[2]), sys.argv[3]
sl = [sluice, "--instance", pfx, "--netns", pfx + "-host", "-j"]
ports = {p["ifindex"]: p["name"] for p in json.loads(subprocess.check_output(sl + ["port", "show"]))}
links = sorted(os.listdir("/sys/fs/bpf/sluice/%s/links" % pfx))
flood = json.loads(subprocess.check_output(["bpftool", "-j", "map", "dump", "pinned",
                                            "/sys/fs/bpf/sluice/%s/sl_flood" % pfx]))
members = []
for e in flood:
    v = e["formatted"]["value"]
    if e["formatted"]["key"]["vid"] == 1:
        members = v["ifindex"][:v["count"]]
print("ports", sorted(ports.values()), "links", links, "flood", sorted(members))
if tuple(int(x) for x in os.uname().release.split(".")[:2]) >= (6, 6):
    hooks_ok = links == sorted("%d_tc" % i for i in ports)
else:	# no tcx: the hooks are clsact filters, which have no pins
    tc = ["tc", "-n", pfx + "-host", "filter", "show", "ingress", "dev"]
    hooks_ok = links == [] and all(b"sl_tc_ingress" in subprocess.check_output(tc + [n])
                                   for n in ports.values())
ok = (len(ports) == want and sorted(members) == sorted(ports) and hooks_ok and
      len(set(members)) == len(members))
sys.exit(0 if ok else 1)
PY
}
# N containers + p-dup + the gateway leg
check race.ports_links_and_flood_list_agree consistent $((N + 2))

reach_all() {
	local i
	for i in $(seq 2 $N); do ping_ok c1 10.33.0.1$i || { echo "c1 -> c$i"; return 1; }; done
}
check race.every_new_port_forwards reach_all

# Now remove them all at once, while ports are being shown and stats read.
pids=()
for i in $(seq 1 $N) dup; do ( sl port del p-c$i 2>/dev/null; sl port del p-dup 2>/dev/null ) & pids+=($!); done
for i in 1 2 3; do ( sl port show >/dev/null; sl stats >/dev/null ) & pids+=($!); done
wait "${pids[@]}"
check race.parallel_port_dels_leave_only_the_gateway consistent 1
check race.no_veth_left test -z "$(ip -n "$HOST" -o link show | grep -E 'p-(c[0-9]|dup)')"

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
check lock.queries_run_beside_another_query queries_share_the_lock

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
check lock.changes_and_queries_exclude_each_other changes_wait_for_queries

summary
