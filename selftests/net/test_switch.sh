#!/bin/bash
# L2 switching between containers in both port modes: reachability, flooding,
# isolation between switches, MAC moves, ageing, daemon restarts, port removal.
# modes: tc xdp
. "$(dirname "$0")/lib.sh"

MODE=${1:-tc}
XDP=()
[ "$MODE" = xdp ] && XDP=(xdp native)
T=$MODE	# test name prefix

# sw0: gateway 10.10.0.1, containers c1 c2 c3; sw1: d1, on its own.
fixture() {
	sl switch add sw0 addr 10.10.0.1/24 || return 1
	for i in 1 2 3; do container_add c$i sw0 10.10.0.1$i/24 "${XDP[@]}" || return 1; done
	sl switch add sw1 && container_add d1 sw1 10.10.0.21/24 "${XDP[@]}"
}

test_three_containers_ping_each_other_and_gateway() {
	for a in 1 2 3; do
		ping_ok c$a 10.10.0.1 || return 1
		for b in 1 2 3; do [ $a = $b ] || ping_ok c$a 10.10.0.1$b || return 1; done
	done
}
test_host_pings_containers() { in_ns host ping -c 1 -W 1 10.10.0.13; }
test_no_kernel_bridge_in_host() { test -z "$(ip -n "$HOST" link show type bridge)"; }

test_iperf3_tcp_between_containers() {
	bg_ns c2 iperf3 -s -1 -B 10.10.0.12 -p 5201
	sleep 0.5
	local srv=$BG_PID
	in_ns c1 timeout 20 iperf3 -c 10.10.0.12 -p 5201 -t 2 -J > "/tmp/$PFX-iperf.json"
	local rc=$?
	kill "$srv" 2>/dev/null
	[ $rc = 0 ] || return 1
	jq -e '.end.sum_received | (.bits_per_second > 0 and .bytes > 0)' "/tmp/$PFX-iperf.json"
}

# An ARP request for an unknown address is flooded to every other port.
test_arp_broadcast_reaches_all_ports() {
	local pids=() got=0
	for i in 2 3; do
		in_ns c$i timeout 5 tcpdump -c 1 -n -i eth0 "arp and arp[24:4] = 0x0a0a0063" >/dev/null 2>&1 &
		pids+=($!)
	done
	in_ns host timeout 5 tcpdump -c 1 -n -i sw0 "arp and arp[24:4] = 0x0a0a0063" >/dev/null 2>&1 &
	pids+=($!)
	sleep 1
	in_ns c1 ping -c 2 -W 1 10.10.0.99 >/dev/null 2>&1
	for p in "${pids[@]}"; do wait "$p" && got=$((got + 1)); done
	[ "$got" = 3 ]
}

# A live port changes hook without losing its peers: tc -> XDP -> tc.
test_port_set_changes_hook_of_live_port() {
	if [ "$MODE" = xdp ]; then set -- off native; else set -- native off; fi
	sl port set p-c2 xdp "$1" || return 1
	sl port show p-c2 | grep -q "hook $( [ "$1" = off ] && echo tc || echo "xdp $1")" || return 1
	ping_ok c1 10.10.0.12 && ping_ok c2 10.10.0.13 || return 1
	in_ns c2 timeout 10 iperf3 -s -1 -p 5202 >/dev/null 2>&1 &
	local srv=$!
	pause 0.3
	in_ns c1 timeout 10 iperf3 -c 10.10.0.12 -p 5202 -t 1 >/dev/null
	local rc=$?
	kill $srv 2>/dev/null; wait $srv 2>/dev/null
	sl port set p-c2 xdp "$2" && ping_ok c1 10.10.0.12 && [ $rc = 0 ]
}

test_second_switch_is_isolated() { ping_fails c1 10.10.0.21; }
test_second_switch_is_isolated_reverse() { ping_fails d1 10.10.0.11; }

# MAC move: c3 takes c1's MAC (ports without anti-spoofing), the FDB follows.
test_mac_move_is_relearned() {
	local mac
	sl port set p-c1 spoofchk off && sl port set p-c3 spoofchk off || return 1
	mac=$(in_ns c1 cat /sys/class/net/eth0/address)
	in_ns c1 ip link set eth0 down
	in_ns c3 ip link set eth0 address "$mac" || return 1
	in_ns c3 ping -c 1 -W 1 10.10.0.12 >/dev/null 2>&1
	[ "$(sl_json "[.[] | select(.mac == \"$mac\")][0].port" fdb show)" = p-c3 ] || { sl fdb show; return 1; }
}

# With no traffic, learned entries leave within the ageing time (+ the sweep interval).
no_learned_entries() { [ "$(sl_json '[.[] | select(.type == "learned")] | length' fdb show)" = 0 ]; }
test_learned_entry_ages_out() {
	local rc=1
	daemon_start --fdb-ageing 2
	for _ in $(seq 30); do	# neighbour probes may keep some MACs alive a few seconds
		sleep 0.5
		no_learned_entries && { rc=0; break; }
	done
	kill "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null
	[ $rc = 0 ] || sl fdb show
	return $rc
}

test_static_entry_never_ages() {
	sl fdb add sw0 02:00:00:00:00:aa port p-c2 || return 1
	daemon_start --fdb-ageing 1
	sleep 3
	kill "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null
	sl fdb show | grep -q "02:00:00:00:00:aa.*static"
}

# Killing and restarting the daemon does not interrupt forwarding.
test_daemon_kill_restart_loses_no_ping() {
	local out
	daemon_start --fdb-ageing 300
	bg_ns c2 ping -c 25 -i 0.2 -W 1 10.10.0.13
	local ping_pid=$BG_PID
	sleep 1; kill -9 "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null
	sleep 1; daemon_start --fdb-ageing 300
	sleep 1; kill -9 "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null
	daemon_start --fdb-ageing 300
	wait "$ping_pid"
	local rc=$?
	kill "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null
	return $rc	# ping exits non-zero on any loss
}

test_port_del_removes_veth_and_entries() {
	local ifx
	ifx=$(sl_json '.[0].ifindex' port show p-c3)
	[ -n "$ifx" ] || return 1
	sl port del p-c3 || return 1
	! ip -n "$HOST" link show p-c3 2>/dev/null || return 1
	! in_ns c3 ip link show eth0 2>/dev/null || return 1
	! sl -j port show | grep -q '"p-c3"' || return 1
	! sl -j fdb show | grep -q '"p-c3"' || return 1
	! ls "/sys/fs/bpf/sluice/$PFX/links/${ifx}_"* 2>/dev/null
}

# The daemon removes a port whose container went away.
test_daemon_removes_port_of_deleted_device() {
	ip netns del "$PFX-d1" || return 1
	daemon_start --interval 1
	sleep 2.5
	kill "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null
	! sl -j port show | grep -q '"p-d1"'
}

# Bad input: one line naming the culprit, exit 1, nothing changed anywhere.
test_bad_input() {
	local before
	before=$(snapshot)
	fails "$T.bad_input_unknown_switch" "switch nosuch does not exist" \
		sl port add nosuch p-x netns "$PFX-c2" addr 10.10.0.50/24
	fails "$T.bad_input_existing_port_name" "port p-c2 already exists" \
		sl port add sw0 p-c2 netns "$PFX-c2" ifname eth9
	fails "$T.bad_input_bad_cidr" 'addr "10.10.0.300/24"' \
		sl port add sw0 p-x netns "$PFX-c2" ifname eth9 addr 10.10.0.300/24
	fails "$T.bad_input_missing_netns" "netns $PFX-nosuch" \
		sl port add sw0 p-x netns "$PFX-nosuch" addr 10.10.0.50/24
	fails "$T.bad_input_bad_mac" 'mac "02:00:00:00:00"' \
		sl port add sw0 p-x netns "$PFX-c2" ifname eth9 mac 02:00:00:00:00
	fails "$T.bad_input_existing_ifname_in_netns" "device eth0 already exists in netns" \
		sl port add sw0 p-x netns "$PFX-c2"
	fails "$T.bad_input_existing_switch" "switch sw0 already exists" sl switch add sw0
	check "$T.bad_input_leaves_nothing_behind" test "$before" = "$(snapshot)"
}

. "$(dirname "$0")/runner.sh"
