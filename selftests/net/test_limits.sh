#!/bin/bash
# Table limits: a flood of 100k random source MACs from a port without anti-spoofing
# fills the FDB to its bound and no further, counts every MAC it could not learn,
# and leaves the entries already learned working.
# modes: tc xdp
. "$(dirname "$0")/lib.sh"

MODE=${1:-tc}
XDP=()
[ "$MODE" = xdp ] && XDP=(xdp native)
T=$MODE
FLOOD=100000
FDB_MAX=$(sed -n 's/^#define SL_FDB_MAX[[:space:]]*\([0-9]*\).*/\1/p' "$ROOT/include/sluice.h")

fixture() {
	sl switch add sw0 addr 10.35.0.1/24 || return 1
	for i in 1 2 3; do container_add c$i sw0 10.35.0.1$i/24 "${XDP[@]}" || return 1; done
	sl port set p-c1 spoofchk off || return 1
	ping_ok c2 10.35.0.13 && ping_ok c1 10.35.0.1
}

counter() { sl_json ".[0].$1" stats p-c1; }
fdb_size() { sl_json length fdb show; }

# The flood, then what it left: one test, five checks on the one flood.
test_flood() {
	local learned0 failed0 ping_pid flood_rc ping_rc learned failed size
	learned0=$(counter learned) failed0=$(counter learn_failed)
	in_ns c2 ping -c 60 -i 0.05 -W 1 10.35.0.13 >"/tmp/$PFX-ping.txt" 2>&1 &
	ping_pid=$!
	# To c1's own MAC: learned first, then dropped as hairpin, so only learning is loaded.
	in_ns c1 timeout 60 /usr/bin/python3 "$ROOT/selftests/net/mac_flood.py" eth0 \
		"$(in_ns c1 cat /sys/class/net/eth0/address)" $FLOOD
	flood_rc=$?
	wait "$ping_pid"; ping_rc=$?
	learned=$(( $(counter learned) - learned0 )) failed=$(( $(counter learn_failed) - failed0 ))
	size=$(fdb_size)
	echo "# FDB $size entries (max $FDB_MAX), p-c1 learned $learned, learn_failed $failed"

	check "$T.flood_of_100k_macs_sent" test "$flood_rc" = 0
	check "$T.fdb_full_but_bounded" test "$size" -le "$FDB_MAX" -a "$size" -ge $((FDB_MAX - 16))
	# every flooded MAC is either learned or counted as not learned
	check "$T.learn_failed_counts_every_mac_not_learned" \
		test $((learned + failed)) -ge $((FLOOD - 5)) -a $((learned + failed)) -le $((FLOOD + 5)) -a "$failed" -gt 0
	check "$T.existing_entries_forward_during_the_flood" eval 'tail -2 "/tmp/$PFX-ping.txt"; [ "$ping_rc" = 0 ]'
	check "$T.existing_entries_forward_after_the_flood" ping_ok c3 10.35.0.12
}

# A newcomer cannot be learned into a full table, but unknown unicast floods reach it.
#@ after=flood
test_newcomer_reachable_by_flooding_while_full() {
	container_add c4 sw0 10.35.0.14/24 "${XDP[@]}" || return 1
	ping_ok c2 10.35.0.14 || return 1
	! sl fdb show port p-c4 | grep -q .
}
# Flushing the flooder's entries makes room again.
#@ after=newcomer_reachable_by_flooding_while_full
test_flush_makes_room_for_learning() {
	sl fdb flush port p-c1 || return 1
	ping_ok c2 10.35.0.14 || return 1
	sl fdb show port p-c4 | grep -q .
}

. "$(dirname "$0")/runner.sh"
