#!/bin/bash
# `sluice monitor`: a spoofed frame, a VLAN violation and an unsolicited inbound packet each
# appear with the right reason as text, as JSON (-j) and in a pcap file tcpdump reads back;
# events are off again when the monitor exits, and a second monitor is refused.
# modes: tc xdp
. "$(dirname "$0")/lib.sh"

MODE=${1:-tc}
XDP=()
[ "$MODE" = xdp ] && XDP=(xdp native)
T=monitor.$MODE
UP=198.51.100.2 OUT=198.51.100.1
PEERS=$ROOT/selftests/net/nat_peers.py

fixture() {
	in_ns host sysctl -qw net.ipv4.ip_forward=1 &&
	sl switch add sw0 addr 10.41.0.1/24 &&
	container_add c1 sw0 10.41.0.11/24 gw 10.41.0.1 "${XDP[@]}" &&
	container_add c2 sw0 10.41.0.12/24 gw 10.41.0.1 "${XDP[@]}" &&
	ns_add out &&
	ip -n "$HOST" link add up0 type veth peer name o0 netns "$PFX-out" &&
	ip -n "$HOST" addr add $UP/24 dev up0 && ip -n "$HOST" link set up0 up &&
	ip -n "$HOST" route add default via $OUT &&
	ip -n "$PFX-out" addr add $OUT/24 dev o0 && ip -n "$PFX-out" link set o0 up &&
	sl nat add m0 src 10.41.0.0/24 out up0 || return 1
	M1=$(in_ns c1 cat /sys/class/net/eth0/address)
	M2=$(in_ns c2 cat /sys/class/net/eth0/address)
	ping_ok c1 10.41.0.12 || { echo "ping failed"; return 1; }
	# The mapping c1:6000 -> OUT:9999 exists; OUT's port 7777 never was addressed.
	in_ns c1 /usr/bin/python3 "$PEERS" send $OUT 9999 6000 1
}

# monitor_start NAME ARGS...: a monitor in the background, waited for until it listens.
monitor_start() {
	local name=$1; shift
	"$SLUICE" --instance "$PFX" --netns "$HOST" monitor "$@" timeout 30 \
		>"/tmp/$PFX-$name.out" 2>"/tmp/$PFX-$name.err" &
	MON_PID=$!; BG_PIDS+=("$MON_PID")
	for _ in $(seq $((100 * SLOW))); do grep -q listening "/tmp/$PFX-$name.err" && return 0; sleep 0.1; done
	echo "monitor $name did not start"; cat "/tmp/$PFX-$name.err"; return 1
}
monitor_stop() { kill -TERM "$MON_PID"; wait "$MON_PID"; }

# The three offenders, once each.
offend() {
	in_ns c1 /usr/bin/python3 -c "
from scapy.all import Ether, Dot1Q, IP, ICMP, UDP, sendp
sendp(Ether(src='02:00:00:00:99:99', dst='$M2') / IP(src='10.41.0.11', dst='10.41.0.12') /
      ICMP(id=41, seq=1), iface='eth0', verbose=0)
sendp(Ether(src='$M1', dst='$M2') / Dot1Q(vlan=10) / IP(src='10.41.0.11', dst='10.41.0.12') /
      UDP(sport=1111, dport=2222), iface='eth0', verbose=0)" &&
	in_ns out /usr/bin/python3 "$PEERS" send $UP 6000 7777 1 &&
	pause 0.5
}

text_has() { grep -E -- "$1" "/tmp/$PFX-text.out" || { cat "/tmp/$PFX-text.out"; return 1; }; }
# the first byte of the events' mask (the map holds the config struct)
cfg_mask() { bpftool -j map dump pinned "/sys/fs/bpf/sluice/$PFX/sl_ev_cfg" |
	jq -r '.[0] | if .formatted then .formatted.value.mask else
		(.value[0] | ltrimstr("0x") | if test("^0+$") then 0 else . end) end'; }
pcap_has() { tcpdump -r "/tmp/$PFX-drops.pcap" -nn -e 2>/dev/null | grep -E -- "$1" ||
	{ tcpdump -r "/tmp/$PFX-drops.pcap" -nn -e; return 1; }; }

# One monitor (text, and a pcap beside it) through the three offences.
test_text_and_pcap() {
	monitor_start text --pcap "/tmp/$PFX-drops.pcap" || return 1
	check "$T.second_monitor_is_refused" bash -c "! '$SLUICE' --instance $PFX --netns $HOST monitor timeout 2 2>&1 | grep -q listening"
	offend
	monitor_stop
	check "$T.monitor_exits_cleanly" grep -q "listening" "/tmp/$PFX-text.err"
	check "$T.text_spoofed_mac" text_has "drop spoofed_mac port p-c1 switch sw0 vlan 1 .* 02:00:00:00:99:99 > $M2 icmp 10.41.0.11 > 10.41.0.12 echo-request"
	check "$T.text_vlan_violation" text_has "drop vlan_tagged_on_access port p-c1 switch sw0 vlan 10 .* $M1 > $M2 vlan 10 udp 10.41.0.11:1111 > 10.41.0.12:2222"
	check "$T.text_unsolicited" text_has "pass unsolicited port up0 nat-in: .* udp $OUT:7777 > $UP:6000"
	check "$T.events_off_after_exit" test "$(cfg_mask)" = 0

	check "$T.pcap_spoofed_mac" pcap_has "^[0-9:.]+ 02:00:00:00:99:99 > $M2, .* 10.41.0.11 > 10.41.0.12: ICMP echo request, id 41"
	check "$T.pcap_vlan_violation" pcap_has "$M1 > $M2, ethertype 802.1Q .* vlan 10, .* 10.41.0.11.1111 > 10.41.0.12.2222: UDP"
	check "$T.pcap_unsolicited" pcap_has "$OUT.7777 > $UP.6000: UDP"
}

# json_has JQEXPR: some event the JSON monitor printed (one a line) satisfies JQEXPR.
json_has() { jq -e -s "any(.[]; $1)" "/tmp/$PFX-json.out" >/dev/null || { cat "/tmp/$PFX-json.out"; return 1; }; }
test_json() {
	monitor_start json -j || return 1
	offend
	monitor_stop
	check "$T.json_spoofed_mac" json_has '.reason == "spoofed_mac" and .verdict == "drop" and .port == "p-c1" and .headers.src_mac == "02:00:00:00:99:99" and .headers.icmp_type == 8'
	check "$T.json_vlan_violation" json_has '.reason == "vlan_tagged_on_access" and .vlan == 10 and .headers.vlan_tags == [10] and .headers.dport == 2222'
	check "$T.json_unsolicited" json_has '.reason == "unsolicited" and .verdict == "pass" and .port == "up0" and .tuple.sport == 7777 and .tuple.dport == 6000'
}

# trace and nat: a new connection, its translation, unicast decisions, and its expiry
# (UDP timeout 1 s) told by the daemon's GC.
trace_has() { grep -E -- "$1" "/tmp/$PFX-trace.out" || { cat "/tmp/$PFX-trace.out"; return 1; }; }
test_trace() {
	sl nat timeouts udp 1 >/dev/null
	daemon_start --interval 1
	monitor_start trace trace nat || return 1
	in_ns c1 /usr/bin/python3 "$PEERS" send $OUT 9999 6001 1
	ping_ok c1 10.41.0.12
	for _ in $(seq $((50 * SLOW))); do grep -q "conn expired udp 10.41.0.11:6001 " "/tmp/$PFX-trace.out" && break; sleep 0.2; done
	monitor_stop
	kill "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null
	check "$T.trace_nat_new_connection" trace_has "conn new udp 10.41.0.11:6001 > $OUT:9999 via $UP:6001"
	# Translated at the uplink (the host's path) or, on the fast path, at c1's port.
	check "$T.trace_snat" trace_has "trace snat port (up0|p-c1) nat-out: source now $UP:6001"
	check "$T.nat_expired_by_daemon" trace_has "conn expired udp 10.41.0.11:6001 > $OUT:9999 via $UP:6001 UNREPLIED"
	check "$T.trace_unicast" trace_has "trace unicast port p-c1 switch sw0 vlan 1 to p-c2"
	# The NAT fast path (tc ports) tells the datagrams it sent itself from the host's path.
	[ "$MODE" = tc ] && check "$T.trace_fastpath_out" trace_has "trace fastpath port p-c1 out to up0 tc: .* udp $UP:6001 > $OUT:9999"
	return 0
}

# A monitor killed with -9 cannot switch events off: the daemon does, within a round or two.
test_daemon_switches_off_a_dead_monitors_events() {
	local rc
	daemon_start --interval 1
	monitor_start killed || return 1
	kill -KILL "$MON_PID"; wait "$MON_PID" 2>/dev/null
	mask_clears; rc=$?
	kill "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null
	return $rc
}
mask_clears() {
	for _ in $(seq $((50 * SLOW))); do [ "$(cfg_mask)" = 0 ] && return 0; sleep 0.2; done
	echo "mask still $(cfg_mask)"; return 1
}

test_bad_vlan() {
	fails "$T.bad_vlan" 'vlan "5000"' sl monitor vlan 5000
}
test_bad_port() {
	fails "$T.bad_port" 'port nosuch0: no such port or device' sl monitor port nosuch0
}
test_bad_word() {
	fails "$T.bad_word" 'unknown argument "bogus"' sl monitor bogus
}
. "$(dirname "$0")/runner.sh"
