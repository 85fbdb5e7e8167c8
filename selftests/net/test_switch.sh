#!/bin/bash
# L2 switching between containers in both port modes: reachability, flooding,
# isolation between switches, MAC moves, ageing, daemon restarts, port removal.
# modes: tc xdp
. "$(dirname "$0")/lib.sh"

MODE=${1:-tc}
XDP=()
[ "$MODE" = xdp ] && XDP=(xdp native)
T=$MODE	# test name prefix

sl switch add sw0 addr 10.10.0.1/24 || exit 1
for i in 1 2 3; do container_add c$i sw0 10.10.0.1$i/24 "${XDP[@]}" || exit 1; done

all_pairs_ping() {
	for a in 1 2 3; do
		ping_ok c$a 10.10.0.1 || return 1
		for b in 1 2 3; do [ $a = $b ] || ping_ok c$a 10.10.0.1$b || return 1; done
	done
}
check "$T.three_containers_ping_each_other_and_gateway" all_pairs_ping
check "$T.host_pings_containers" in_ns host ping -c 1 -W 1 10.10.0.13
check "$T.no_kernel_bridge_in_host" test -z "$(ip -n "$HOST" link show type bridge)"

tcp_transfer() {
	bg_ns c2 iperf3 -s -1 -B 10.10.0.12 -p 5201
	sleep 0.5
	local srv=$BG_PID
	in_ns c1 timeout 20 iperf3 -c 10.10.0.12 -p 5201 -t 2 -J > "/tmp/$PFX-iperf.json"
	local rc=$?
	kill "$srv" 2>/dev/null
	[ $rc = 0 ] || return 1
	python3 - "/tmp/$PFX-iperf.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
bps = r["end"]["sum_received"]["bits_per_second"]
print("received %.2f Gbit/s" % (bps / 1e9))
sys.exit(0 if bps > 0 and r["end"]["sum_received"]["bytes"] > 0 else 1)
PY
}
check "$T.iperf3_tcp_between_containers" tcp_transfer

# An ARP request for an unknown address is flooded to every other port.
arp_flood() {
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
check "$T.arp_broadcast_reaches_all_ports" arp_flood

# A live port changes hook without losing its peers: tc -> XDP -> tc.
hook_change() {
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
check "$T.port_set_changes_hook_of_live_port" hook_change

sl switch add sw1 || exit 1
container_add d1 sw1 10.10.0.21/24 "${XDP[@]}" || exit 1
check "$T.second_switch_is_isolated" ping_fails c1 10.10.0.21
check "$T.second_switch_is_isolated_reverse" ping_fails d1 10.10.0.11

# MAC move: c3 takes c1's MAC (ports without anti-spoofing), the FDB follows.
mac_move() {
	local mac
	sl port set p-c1 spoofchk off && sl port set p-c3 spoofchk off || return 1
	mac=$(in_ns c1 cat /sys/class/net/eth0/address)
	in_ns c1 ip link set eth0 down
	in_ns c3 ip link set eth0 address "$mac" || return 1
	in_ns c3 ping -c 1 -W 1 10.10.0.12 >/dev/null 2>&1
	sl -j fdb show | python3 -c "
import json, sys
e = [x for x in json.load(sys.stdin) if x['mac'] == '$mac']
print(e); sys.exit(0 if e and e[0]['port'] == 'p-c3' else 1)"
}
check "$T.mac_move_is_relearned" mac_move

# With no traffic, learned entries leave within the ageing time (+ the sweep interval).
no_learned_entries() {
	sl -j fdb show | python3 -c "
import json, sys
sys.exit(0 if not [x for x in json.load(sys.stdin) if x['type'] == 'learned'] else 1)"
}
ageing() {
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
check "$T.learned_entry_ages_out" ageing

static_entry_never_ages() {
	sl fdb add sw0 02:00:00:00:00:aa port p-c2 || return 1
	daemon_start --fdb-ageing 1
	sleep 3
	kill "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null
	sl fdb show | grep -q "02:00:00:00:00:aa.*static"
}
check "$T.static_entry_never_ages" static_entry_never_ages

# Killing and restarting the daemon does not interrupt forwarding.
daemon_restart() {
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
check "$T.daemon_kill_restart_loses_no_ping" daemon_restart

port_del() {
	local ifx
	ifx=$(sl -j port show p-c3 | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["ifindex"])')
	sl port del p-c3 || return 1
	! ip -n "$HOST" link show p-c3 2>/dev/null || return 1
	! in_ns c3 ip link show eth0 2>/dev/null || return 1
	! sl -j port show | grep -q '"p-c3"' || return 1
	! sl -j fdb show | grep -q '"p-c3"' || return 1
	! ls "/sys/fs/bpf/sluice/$PFX/links/${ifx}_"* 2>/dev/null
}
check "$T.port_del_removes_veth_and_entries" port_del

# The daemon removes a port whose container went away.
port_reaped() {
	ip netns del "$PFX-d1" || return 1
	daemon_start --interval 1
	sleep 2.5
	kill "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null
	! sl -j port show | grep -q '"p-d1"'
}
check "$T.daemon_removes_port_of_deleted_device" port_reaped

# Bad input: one line naming the culprit, exit 1, nothing changed anywhere.
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

summary
