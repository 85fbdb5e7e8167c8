#!/bin/bash
# Hostile frames from a container: truncated and malformed headers, spoofed and group
# source addresses, ARP poisoning. Each is dropped (counted by reason) or forwarded
# unchanged per docs/hostile-frames.md, and good traffic keeps flowing.
# modes: tc xdp
. "$(dirname "$0")/lib.sh"

MODE=${1:-tc}
XDP=()
[ "$MODE" = xdp ] && XDP=(xdp native)
T=$MODE

mac() { in_ns "$1" cat /sys/class/net/eth0/address; }
fixture() {
	sl switch add sw0 addr 10.34.0.1/24 || return 1
	for i in 1 2 3; do container_add c$i sw0 10.34.0.1$i/24 "${XDP[@]}" || return 1; done
	M1=$(mac c1) M2=$(mac c2) M3=$(mac c3)
	# Warm every neighbour cache so that only unicast moves during the barrage.
	for i in 1 2 3; do ping_ok c$i 10.34.0.1 || return 1; done
	ping_ok c2 10.34.0.13 && ping_ok c2 10.34.0.11 || return 1

	# c1 attacks, c2 is the addressee, c3 the container whose addresses c1 claims.
	cfg=$(cat <<EOF
{"sluice": ["$SLUICE", "--instance", "$PFX", "--netns", "$HOST"], "mode": "$MODE",
 "me": {"netns": "$PFX-c1", "port": "p-c1", "mac": "$M1", "ip": "10.34.0.11"},
 "peer": {"port": "p-c2", "mac": "$M2", "ip": "10.34.0.12"},
 "other": {"mac": "$M3", "ip": "10.34.0.13"}}
EOF
)
}

# Every kind of hostile frame from c1 while c3 pings the gateway: a check per kind.
test_barrage() {
	local ping_pid rc kind status rule rest
	in_ns c3 ping -c 40 -i 0.1 -W 1 10.34.0.1 >"/tmp/$PFX-ping.txt" 2>&1 &
	ping_pid=$!
	/usr/bin/python3 "$ROOT/selftests/net/hostile_frames.py" "$cfg" >"/tmp/$PFX-hostile.txt" 2>&1
	rc=$?
	while read -r kind status rule rest; do
		check "$T.hostile_${kind}_${rule%%[:|]*}" test "$status" = ok
		[ "$status" = ok ] || echo "    $kind $rule $rest"
	done < <(grep -E '^[a-z0-9_]+ (ok|FAIL) ' "/tmp/$PFX-hostile.txt")
	check "$T.hostile_generator_ran_every_kind" test "$rc" = 0 -a "$(wc -l <"/tmp/$PFX-hostile.txt")" -ge 20
	[ "$rc" = 0 ] || cat "/tmp/$PFX-hostile.txt"
	wait "$ping_pid"
	check "$T.good_traffic_flows_during_the_barrage" ping_clean
}
ping_clean() { tail -2 "/tmp/$PFX-ping.txt"; grep -q " 0% packet loss" "/tmp/$PFX-ping.txt"; }

# No group (multicast bit: the first octet odd) or zero source learned, c3's MAC only on p-c3.
#@ after=barrage
test_fdb_learned_no_spoofed_or_group_source() {
	sl -j fdb show | jq -e --arg m3 "$M3" 'map(select((.mac[1:2] | test("[13579bdfBDF]")) or
		.mac == "00:00:00:00:00:00" or (.mac == $m3 and .port != "p-c3"))) |
		if length == 0 then true else (., false) end'
}

#@ after=barrage
test_all_pairs_and_tcp_work_after_the_barrage() {
	local a b
	for a in 1 2 3; do
		ping_ok c$a 10.34.0.1 || return 1
		for b in 1 2 3; do [ $a = $b ] || ping_ok c$a 10.34.0.1$b || return 1; done
	done
	bg_ns c3 iperf3 -s -1 -B 10.34.0.13 -p 5201
	sleep 0.3
	in_ns c2 timeout 10 iperf3 -c 10.34.0.13 -p 5201 -t 1 >/dev/null
}

# ARP poisoning: c1 tells c2 that c3's address is at c1's MAC. c2's cache holds c3.
neigh_of_c3() { in_ns c2 ip -o neigh show 10.34.0.13 | awk '{print $5}'; }
poison() {
	/usr/bin/python3 "$ROOT/selftests/net/hostile_frames.py" \
		"$(sed 's/"mode"/"only": ["arp_reply_claiming_other_ip"], "mode"/' <<<"$cfg")"
}
test_spoofchk_on_keeps_arp_cache_of_others_intact() {
	sleep 1.1	# past neighbour locktime, so a reply would be taken
	poison >/dev/null
	test "$(neigh_of_c3)" = "$M3"
}
test_spoofchk_off_lets_arp_claims_through() {
	local out rc
	sl port set p-c1 spoofchk off || return 1
	out=$(poison)
	echo "$out"
	# without the check the switch forwards the lie and c2 believes it
	grep -q "FAIL drop:spoofed_ip: forwarded 2[0-2], drops none" <<<"$out" &&
		[ "$(neigh_of_c3)" = "$M1" ]
	rc=$?
	sl port set p-c1 spoofchk on
	in_ns c2 ip neigh flush 10.34.0.13 2>/dev/null
	return $rc
}

. "$(dirname "$0")/runner.sh"
