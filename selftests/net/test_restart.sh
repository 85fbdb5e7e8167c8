#!/bin/bash
# Restart without loss: 30 s TCP flows and pings between two containers (switch) and from
# a container to an outside host (NAT) keep running while the daemon is SIGKILLed and
# restarted, `sluice upgrade` swaps the programs of every hook in place, and other ports
# come and go on the same switch.
# modes: tc xdp
. "$(dirname "$0")/lib.sh"

MODE=${1:-tc}
XDP=()
[ "$MODE" = xdp ] && XDP=(xdp native)
T=$MODE
SECS=30

fixture() {
	sl switch add sw0 addr 10.31.0.1/24 || return 1
	container_add c1 sw0 10.31.0.11/24 "${XDP[@]}" || return 1
	container_add c2 sw0 10.31.0.12/24 "${XDP[@]}" || return 1
	ns_add churn || return 1
	# The outside: uplink up0 in the host namespace, masquerade for the containers.
	ns_add out || return 1
	ip -n "$HOST" link add up0 type veth peer name eth0 netns "$PFX-out" &&
		ip -n "$HOST" addr add 192.0.2.1/24 dev up0 && ip -n "$HOST" link set up0 up &&
		ip -n "$PFX-out" addr add 192.0.2.2/24 dev eth0 && ip -n "$PFX-out" link set eth0 up &&
		in_ns host sysctl -qw net.ipv4.ip_forward=1 || return 1
	sl nat add m1 src 10.31.0.0/24 out up0 || return 1
	ping_ok c1 10.31.0.12 && ping_ok c2 192.0.2.2 || { echo "setup ping failed"; return 1; }
}

# prog id behind every pinned link, one "link prog" pair a line; a port's clsact filter (ports
# have no link) as "<ifindex>_tc prog"
link_progs() {
	local l
	for l in "/sys/fs/bpf/sluice/$PFX/links/"*; do
		[ -e "$l" ] || continue	# no links at all before 6.6 (clsact)
		echo "$(basename "$l") $(bpftool -j link show pinned "$l" | jq .prog_id)"
	done
	in_ns host bpftool -j net show |
		jq -r '.[0].tc[] | select(.kind == "clsact/ingress" and (.name | startswith("sl_tc_ingress"))) |
			"\(.ifindex)_tc \(.id)"'
}

# One round of disturbance each: kill -9 the daemon and start it again, upgrade the
# programs, add or remove a port on the same switch. Bounded by count and time.
churn() {
	local i end=$((SECONDS + SECS - 4))
	restarts=0 upgrades=0 adds=0 dels=0
	daemon_start --fdb-ageing 300
	for i in $(seq 1 40); do
		[ $SECONDS -lt $end ] || break
		kill -9 "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null
		daemon_start --fdb-ageing 300
		sl upgrade >/dev/null && upgrades=$((upgrades + 1))
		kill -0 "$DAEMON_PID" 2>/dev/null && restarts=$((restarts + 1))
		if [ $((i % 2)) = 1 ]; then
			sl port add sw0 p-x netns "$PFX-churn" addr 10.31.0.50/24 "${XDP[@]}" &&
				adds=$((adds + 1))
		else
			sl port del p-x && dels=$((dels + 1))
		fi
		sleep 0.5
	done
	kill "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null
}

# flow FROM TO PORT NAME: a SECS-long iperf3 and a ping beside it; PIDs in FLOW_PIDS.
flow() {
	in_ns "$1" timeout $((SECS + 15)) iperf3 -c "$2" -p "$3" -t $SECS -J >"/tmp/$PFX-$4.json" 2>&1 &
	FLOW_PIDS+=($!)
	in_ns "$1" ping -c $((SECS * 5 - 10)) -i 0.2 -W 1 "$2" >"/tmp/$PFX-$4.ping" 2>&1 &
	FLOW_PIDS+=($!)
}

# The flows across the churn, then what they and the links went through.
test_churn() {
	local before after switch_rc nat_rc
	before=$(link_progs)
	bg_ns c2 iperf3 -s -1 -B 10.31.0.12 -p 5201
	bg_ns out iperf3 -s -1 -B 192.0.2.2 -p 5202
	sleep 0.5
	FLOW_PIDS=()
	flow c1 10.31.0.12 5201 switch
	flow c2 192.0.2.2 5202 nat
	churn
	wait "${FLOW_PIDS[0]}"; switch_rc=$?
	wait "${FLOW_PIDS[2]}"; nat_rc=$?
	wait "${FLOW_PIDS[1]}" "${FLOW_PIDS[3]}"
	after=$(link_progs)
	echo "# $restarts daemon restarts, $upgrades upgrades, $adds port adds, $dels port dels"
	check "$T.tcp_flow_30s_survives_restarts_upgrades_and_port_churn" iperf_clean switch "$switch_rc"
	check "$T.nat_tcp_flow_30s_survives_restarts_upgrades_and_port_churn" iperf_clean nat "$nat_rc"
	check "$T.ping_loses_at_most_one" ping_loss_at_most_one switch
	check "$T.nat_ping_loses_at_most_one" ping_loss_at_most_one nat
	check "$T.daemon_upgrade_and_port_churn_all_ran" disturbances_happened
	check "$T.upgrade_swaps_every_link_to_the_pinned_program" links_run_new_programs
	# An upgrade leaves no staging pins behind and nothing to undo.
	check "$T.upgrade_leaves_no_staging_pins" test -z "$(ls "/sys/fs/bpf/sluice/$PFX" | grep upgrade_)"
}

iperf_clean() {
	[ "$2" = 0 ] || { cat "/tmp/$PFX-$1.json"; return 1; }
	jq -r '.end | "\(.sum_received.seconds) s, \(.sum_received.bits_per_second / 1e9) Gbit/s, \(.sum_sent.retransmits // 0) retransmits"' \
		"/tmp/$PFX-$1.json" 2>/dev/null
	jq -e --argjson s "$SECS" 'if .error then error("iperf3: " + .error) else
		.end.sum_received | .seconds >= $s - 1 and .bytes > 0 end' "/tmp/$PFX-$1.json"
}

ping_loss_at_most_one() {
	local sent got
	sent=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "/tmp/$PFX-$1.ping")
	got=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "/tmp/$PFX-$1.ping")
	echo "ping: $sent sent, $got received"
	[ -n "$sent" ] && [ -n "$got" ] && [ $((sent - got)) -le 1 ]
}

disturbances_happened() {
	echo "restarts $restarts upgrades $upgrades adds $adds dels $dels"
	local n=3 a=2 d=2
	[ "$SLOW" = 1 ] || n=1 a=1 d=0	# one round takes ~20 s under TCG
	[ "$restarts" -ge $n ] && [ "$upgrades" -ge $n ] && [ "$adds" -ge $a ] && [ "$dels" -ge $d ]
}

# Every link that lived through the churn runs a program other than before: the one
# pinned now for its kind (links/<ifindex>_<kind> runs prog_<kind>).
links_run_new_programs() {
	local l old new pinned
	echo "before: $before"; echo "after: $after"
	grep -q "_tc " <<<"$before" || { echo "no port hook seen"; return 1; }
	while read -r l old; do
		new=$(sed -n "s/^$l //p" <<<"$after")
		[ -z "$new" ] && continue	# the churned port
		pinned=$(bpftool -j prog show pinned "/sys/fs/bpf/sluice/$PFX/prog_${l#*_}" | jq .id)
		[ "$new" != "$old" ] && [ "$new" = "$pinned" ] || { echo "$l: $old -> $new, pinned $pinned"; return 1; }
	done <<<"$before"
}

test_traffic_after_churn() { ping_ok c1 10.31.0.12; }
test_nat_traffic_after_churn() { ping_ok c1 192.0.2.2; }

# An instance made by a build without the NAT's gateway-subnet trie: upgrade creates it and
# fills it before the new programs run.
test_upgrade_creates_and_fills_nat_gateway_subnets() {
	rm "/sys/fs/bpf/sluice/$PFX/sl_nat_local" && sl upgrade >/dev/null || return 1
	echo "trie after upgrade: $(nat_local_subnets)"
	[ "$(nat_local_subnets)" = "10.31.0.0/24 " ] && ping_ok c1 192.0.2.2
}

# An instance made by a build without sl_ports' ARRAY copies (the FDB's slot, #14): upgrade
# creates them and fills them from sl_ports, each port's index naming its slot and the slot
# holding that port, before the new programs run.
port_copies_match() {
	bpftool -j map dump pinned "/sys/fs/bpf/sluice/$PFX/sl_ports" | /usr/bin/python3 -c '
import json, subprocess, sys
root = sys.argv[1]
def look(m, key):
	k = [str(b) for b in key.to_bytes(4, "little")]
	v = json.loads(subprocess.check_output(["bpftool", "-j", "map", "lookup", "pinned",
						root + "/" + m, "key"] + k))["value"]
	return bytes(int(b, 16) for b in v)
n = 0
for e in json.load(sys.stdin):
	v = bytes(int(b, 16) for b in e["value"])
	ifx, slot = int.from_bytes(v[0:4], "little"), int.from_bytes(v[28:32], "little")
	if int.from_bytes(look("sl_port_slots", slot)[0:4], "little") != ifx:
		sys.exit("slot %d does not hold ifindex %d" % (slot, ifx))
	if ifx < 65536 and int.from_bytes(look("sl_port_idx", ifx), "little") != slot:
		sys.exit("index of ifindex %d does not name slot %d" % (ifx, slot))
	n += 1
print("%d ports in their slots" % n)
sys.exit(n == 0)' "/sys/fs/bpf/sluice/$PFX"
}
test_upgrade_creates_and_fills_port_slot_copies() {
	rm "/sys/fs/bpf/sluice/$PFX/sl_port_slots" "/sys/fs/bpf/sluice/$PFX/sl_port_idx" &&
		sl upgrade >/dev/null || return 1
	port_copies_match && ping_ok c1 10.31.0.12
}
# An instance made by a build without the learn cache (#14): upgrade creates sl_learn_cache and
# sl_fdb_gen, the new programs use them, and the controller's FDB changes bump the generation.
fdb_gen() {
	bpftool -j map lookup pinned "/sys/fs/bpf/sluice/$PFX/sl_fdb_gen" key 0 0 0 0 |
		/usr/bin/python3 -c 'import json, sys
v = json.load(sys.stdin)["value"]
print(int.from_bytes(bytes(int(b, 16) for b in v), "little"))'
}
test_upgrade_creates_the_learn_cache_and_fdb_changes_bump_it() {
	local g mac
	rm "/sys/fs/bpf/sluice/$PFX/sl_learn_cache" "/sys/fs/bpf/sluice/$PFX/sl_fdb_gen" &&
		sl upgrade >/dev/null || return 1
	ping_ok c1 10.31.0.12 || return 1
	g=$(fdb_gen) && [ -n "$g" ] || { echo "no sl_fdb_gen after upgrade"; return 1; }
	mac=$(in_ns c1 cat /sys/class/net/eth0/address)
	sl fdb del sw0 "$mac" || return 1
	echo "generation $g -> $(fdb_gen)"
	[ "$(fdb_gen)" -gt "$g" ] || return 1
	# c1's next frame learns it again at once (its cached entry no longer counts)
	ping_ok c1 10.31.0.12 && sl -j fdb show | jq -e --arg m "$mac" 'any(.[]; .mac == $m)' >/dev/null
}
. "$(dirname "$0")/runner.sh"
