#!/bin/bash
# A masquerade rule's uplink deleted and made again (issue #13 item 1): nothing private ever
# leaves (the guard on the gateway drops it, counted), `nat show` says the uplink's state,
# and the daemon hooks the new device on its link event.
# modes: tc slowpath
# (slowpath: the rule says `fastpath off`)
. "$(dirname "$0")/lib.sh"

MODE=${1:-tc}
T=nat_uplink.$MODE
FASTPATH=on; [ "$MODE" = slowpath ] && FASTPATH=off
SRV=203.0.113.10 UP=198.51.100.2 RTR=198.51.100.1
RTR_NS=$PFX-rtr

uplink_make() {
	ip -n "$HOST" link add up0 type veth peer name r0 netns "$RTR_NS" &&
	ip -n "$HOST" addr add $UP/24 dev up0 && ip -n "$HOST" link set up0 up &&
	ip -n "$HOST" route add default via $RTR &&
	ip -n "$RTR_NS" addr add $RTR/24 dev r0 && ip -n "$RTR_NS" link set r0 up
}
fixture() {
	in_ns host sysctl -qw net.ipv4.ip_forward=1 &&
	sl switch add sw0 addr 10.44.0.1/24 &&
	container_add c1 sw0 10.44.0.11/24 gw 10.44.0.1 &&
	ns_add rtr && ns_add out && uplink_make &&
	ip -n "$RTR_NS" link add r1 type veth peer name o0 netns "$PFX-out" &&
	ip -n "$RTR_NS" addr add 203.0.113.1/24 dev r1 && ip -n "$RTR_NS" link set r1 up &&
	in_ns rtr sysctl -qw net.ipv4.ip_forward=1 &&
	# The router routes the containers' subnet back to the host: a leak would be answered.
	ip -n "$RTR_NS" route add 10.44.0.0/24 via $UP &&
	ip -n "$PFX-out" addr add $SRV/24 dev o0 && ip -n "$PFX-out" link set o0 up &&
	ip -n "$PFX-out" route add default via 203.0.113.1 &&
	sl nat add m0 src 10.44.0.0/24 out up0 fastpath $FASTPATH
}

uplink_state() { sl_json '.[0].uplink' nat show; }
guard_drops() { sl_json .drops.uplink_gone nat stats; }
# capture NAME: every packet on the router's uplink side with a container address in it.
capture() {
	bg_ns rtr tcpdump -n -U -i r0 -w "/tmp/$PFX-$1.pcap" net 10.44.0.0/24
	CAP_PID=$BG_PID
	sleep 1
}
leaked() { kill "$CAP_PID"; wait "$CAP_PID" 2>/dev/null; tcpdump -n -r "/tmp/$PFX-$1.pcap" 2>/dev/null | wc -l; }

test_ping_before() { ping_ok c1 $SRV; }
test_state_attached() { test "$(uplink_state)" = attached; }

# The uplink deleted and made again: nat show says so.
test_uplink_remade() {
	ip -n "$HOST" link del up0
	check "$T.state_missing_after_del" test "$(uplink_state)" = missing
	uplink_make || echo "FAIL $T.uplink_remake"
	check "$T.state_not_attached_when_back" test "$(uplink_state)" = "not attached"
}

# Without a daemon: the re-made uplink has no hook, so the guard drops and counts.
#@ after=uplink_remade
test_no_daemon() {
	capture gap
	drops0=$(guard_drops)
	check "$T.no_daemon_traffic_dropped" ping_fails c1 $SRV
	no_leak_gap() { local n; n=$(leaked gap); echo "$n packets with 10.44.0.0/24 on r0"; [ "$n" = 0 ]; }
	check "$T.no_daemon_nothing_leaks" no_leak_gap
	drops_moved() { local d; d=$(guard_drops); echo "uplink_gone $drops0 -> $d"; [ "$d" -gt "$drops0" ]; }
	check "$T.no_daemon_drops_counted" drops_moved
	# Traffic to the switch's own gateway (the host) is not the guard's.
	check "$T.no_daemon_gateway_reachable" ping_ok c1 10.44.0.1
}

# The daemon hooks the new device (first round), then follows a second re-make on the
# link event alone: its polling interval is far longer than the wait.
recovered() {
	for _ in $(seq 30); do
		[ "$(uplink_state)" = attached ] && ping_ok c1 $SRV && return 0
		sleep 0.2
	done
	echo "uplink $(uplink_state)"; return 1
}
#@ after=no_daemon
test_daemon() {
	daemon_start --interval 60
	capture daemon
	check "$T.daemon_rehooks" recovered
	ip -n "$HOST" link del up0 && uplink_make || echo "FAIL $T.uplink_remake2"
	check "$T.daemon_rehooks_on_link_event" recovered
	no_leak_daemon() { local n; n=$(leaked daemon); echo "$n packets with 10.44.0.0/24 on r0"; [ "$n" = 0 ]; }
	check "$T.daemon_nothing_leaks" no_leak_daemon
	kill "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null
}
# nat del leaves neither the guard nor stale uplink pins.
test_nat_del_unpins_guard() {
	sl nat del m0 || return 1
	ls "/sys/fs/bpf/sluice/$PFX" "/sys/fs/bpf/sluice/$PFX/links"
	! ls "/sys/fs/bpf/sluice/$PFX" "/sys/fs/bpf/sluice/$PFX/links" | grep -q nat
}

. "$(dirname "$0")/runner.sh"
