#!/bin/bash
# Masquerade on the uplink with real tools: containers -- host (sluice switch + nat) --
# router -- outside. The router has no route back to the containers, so only translated
# traffic is answered, and a capture on the uplink proves nothing private ever leaves.
# modes: tc slowpath
# (slowpath: the rule says `fastpath off`: every packet crosses the host stack, as iptables)
. "$(dirname "$0")/lib.sh"

T=nat
PEERS=$ROOT/selftests/net/nat_peers.py
SRV=203.0.113.10 UP=198.51.100.2 RTR=198.51.100.1
RTR_NS=$PFX-rtr

fixture() {
	in_ns host sysctl -qw net.ipv4.ip_forward=1 &&
	sl switch add sw0 addr 10.20.0.1/24 &&
	container_add c1 sw0 10.20.0.11/24 gw 10.20.0.1 &&
	container_add c2 sw0 10.20.0.12/24 gw 10.20.0.1 &&
	ns_add rtr && ns_add out &&
	ip -n "$HOST" link add up0 type veth peer name r0 netns "$RTR_NS" &&
	ip -n "$RTR_NS" link add r1 type veth peer name o0 netns "$PFX-out" &&
	ip -n "$HOST" addr add $UP/24 dev up0 && ip -n "$HOST" link set up0 up &&
	ip -n "$HOST" route add default via $RTR &&
	ip -n "$RTR_NS" addr add $RTR/24 dev r0 && ip -n "$RTR_NS" link set r0 up &&
	ip -n "$RTR_NS" addr add 203.0.113.1/24 dev r1 && ip -n "$RTR_NS" link set r1 up &&
	in_ns rtr sysctl -qw net.ipv4.ip_forward=1 &&
	# A narrower link beyond the router: PMTU discovery has to work through the NAT.
	ip -n "$RTR_NS" link set r1 mtu 1400 &&
	ip -n "$PFX-out" link set o0 mtu 1400 &&
	ip -n "$PFX-out" addr add $SRV/24 dev o0 && ip -n "$PFX-out" link set o0 up &&
	ip -n "$PFX-out" route add default via 203.0.113.1 || return 1
	FASTPATH=on; [ "$MODE" = slowpath ] && FASTPATH=off
	sl nat add m0 src 10.20.0.0/24 out up0 fastpath $FASTPATH || return 1

	# Every packet on the uplink with a container address in it, for the whole run.
	bg_ns rtr tcpdump -n -U -i r0 -w "/tmp/$PFX-leak.pcap" net 10.20.0.0/24
	LEAK_PID=$BG_PID
	# Servers: HTTP answering with the client address it saw, a UDP echo, sinks and a source.
	bg_ns out /usr/bin/python3 "$PEERS" http 80
	bg_ns out /usr/bin/python3 "$PEERS" serve 9999
	bg_ns out iperf3 -s -p 5201
	head -c 64M /dev/urandom > "/tmp/$PFX-blob"
	bg_ns out socat -U TCP-LISTEN:9001,fork,reuseaddr OPEN:"/tmp/$PFX-blob"
	pause 1
}

nat_ct() { sl -j nat ct show; }
nat_stat() { sl_json ".$1" nat stats; }	# nat_stat FIELD

test_ping_outside() { ping_ok c1 $SRV; }

test_http_server_sees_only_uplink_address() {
	local seen
	seen=$(in_ns c1 curl -s -m 5 http://$SRV/) || return 1
	echo "server saw $seen"
	[ "$seen" = $UP ] || return 1
	# The closed connection is tracked into its closing states.
	sleep 0.3
	nat_ct | jq -e --arg d "$SRV:80" '[.[] | select(.proto == "tcp" and .dst == $d)] |
		length > 0 and all(.state == "TIME_WAIT" or .state == "CLOSE" or .state == "LAST_ACK")' 
}

test_udp_request_response() {
	local out
	out=$(echo hello | in_ns c1 socat -T 2 - UDP:$SRV:9999) || return 1
	echo "$out"
	[ "$out" = "$UP hello" ]
}

# Two containers ping with the same ICMP identifier at the same time.
test_same_icmp_id_from_two_containers() {
	local a b
	bg_ns c1 ping -e 4242 -c 4 -i 0.2 -W 1 $SRV; a=$BG_PID
	bg_ns c2 ping -e 4242 -c 4 -i 0.2 -W 1 $SRV; b=$BG_PID
	wait $a || return 1
	wait $b || return 1
	nat_ct | jq -e '[.[] | select(.proto == "icmp" and (.src | endswith(":4242")))] |
		length == 2 and .[0].nat != .[1].nat' 
}

test_same_source_port_from_two_containers() {
	local a b
	echo one | in_ns c1 socat -T 2 - UDP:$SRV:9999,sourceport=5555 > "/tmp/$PFX-sp1" & a=$!
	echo two | in_ns c2 socat -T 2 - UDP:$SRV:9999,sourceport=5555 > "/tmp/$PFX-sp2" & b=$!
	wait $a; wait $b
	cat "/tmp/$PFX-sp1" "/tmp/$PFX-sp2"
	[ "$(cat "/tmp/$PFX-sp1")" = "$UP one" ] && [ "$(cat "/tmp/$PFX-sp2")" = "$UP two" ] || return 1
	nat_ct | jq -e --arg w "$UP:5555" '[.[] | select(.proto == "udp" and (.src | endswith(":5555")))] |
		length == 2 and (map(.nat) | unique | length) == 2 and any(.nat == $w)' 
}

# Time exceeded from the router and port unreachable from the server, translated back.
test_tracepath_shows_router_beyond_nat() {
	local out
	out=$(in_ns c1 timeout 20 tracepath -n -m 5 $SRV 2>&1)
	echo "$out"
	echo "$out" | grep -q " $RTR " && echo "$out" | grep -q "reached"
}

# 64 MiB each way; the upload crosses the 1400-byte link only once frag-needed is translated.
test_tcp_64MiB_both_ways_same_sha256_with_pmtu() {
	local want got up
	want=$(sha256sum < "/tmp/$PFX-blob" | cut -d' ' -f1)
	got=$(in_ns c1 timeout 60 socat -u TCP:$SRV:9001 - | sha256sum | cut -d' ' -f1)
	echo "download $got"
	[ "$got" = "$want" ] || return 1
	bg_ns out timeout 60 socat -u TCP-LISTEN:9002,reuseaddr OPEN:"/tmp/$PFX-up",creat,trunc
	up=$BG_PID
	sleep 0.3
	in_ns c1 timeout 60 socat -u OPEN:"/tmp/$PFX-blob" TCP:$SRV:9002 || return 1
	wait $up
	got=$(sha256sum < "/tmp/$PFX-up" | cut -d' ' -f1)
	echo "upload $got, ICMP errors translated: $(nat_stat icmp_errors)"
	[ "$got" = "$want" ] && [ "$(nat_stat icmp_errors)" -gt 0 ]
}

# Segments the receivers found corrupt (a checksum we got wrong), in every namespace.
csum_errors() {
	local ns n=0
	for ns in c1 c2 out rtr host; do
		n=$((n + $(in_ns $ns nstat -asz | awk '/InCsumErrors/ {s += $2} END {print s + 0}')))
	done
	echo $n
}

# Offloads stay on (CHECKSUM_PARTIAL, GSO): full speed; whatever TCP retransmits on this
# shared machine, none of it is ours: no NAT drop, no segment with a bad checksum.
test_iperf3_offloads_on_full_speed_no_drops() {
	local dir
	for dir in "" "-R"; do
		in_ns c1 timeout 20 iperf3 -c $SRV -p 5201 -t 2 $dir -J > "/tmp/$PFX-iperf.json" ||
			return 1
		jq -r --arg d "${dir:-upload}" '.end | "\($d): \(.sum_received.bits_per_second / 1e9) Gbit/s, \(.sum_sent.retransmits // 0) retransmits"' "/tmp/$PFX-iperf.json"
		jq -e --argjson k "$SLOW" '.end.sum_received.bits_per_second > 1e9 / $k' "/tmp/$PFX-iperf.json" >/dev/null || return 1
	done
	sl nat stats
	echo "checksum errors seen by receivers: $(csum_errors)"
	[ "$(csum_errors)" = 0 ] &&
	[ "$(sl_json '[.drops[]] | add // 0' nat stats)" = 0 ]
}

test_udp_2000_flows_all_answered() { in_ns c1 /usr/bin/python3 "$PEERS" flows $SRV 9999 2000; }
test_udp_3000_byte_datagram_round_trips() { in_ns c1 /usr/bin/python3 "$PEERS" big $SRV 9999 3000; }

# A mapping exists (c1:6000 -> server:9999); the server's other port and another host may
# not use it. The container's own reply arrives; nothing else does.
unsolicited() {
	local w before
	before=$(nat_stat unsolicited)
	bg_ns c1 /usr/bin/python3 "$PEERS" watch $SRV 9999 6000 2.5; w=$BG_PID
	sleep 0.7
	in_ns out /usr/bin/python3 "$PEERS" send $UP 6000 7777 5
	in_ns rtr /usr/bin/python3 "$PEERS" send $UP 6000 9999 5
	wait $w || return 1
	echo "unsolicited: $before -> $(nat_stat unsolicited)"
	[ "$(nat_stat unsolicited)" -ge $((before + 10)) ]
}
test_unsolicited_inbound_never_reaches_container() { unsolicited; }

# Packets sluice cannot translate are dropped by name, never sent out untranslated.
test_untranslatable_packets_dropped_by_reason() {
	in_ns c1 /usr/bin/python3 - $SRV <<'PY' >/dev/null 2>&1
import sys
from scapy.all import IP, TCP, UDP, Raw, send, conf
conf.verb = 0
d = sys.argv[1]
send(IP(dst=d) / TCP(dport=80, dataofs=3, flags="A"))
send(IP(dst=d) / TCP(dport=80, flags="SF"))
send(IP(dst=d, proto=17, len=23) / Raw(b"\x13\x88\x00"))
send(IP(dst=d, proto=47) / Raw(b"\x00" * 8))
send(IP(dst=d) / TCP(sport=4000, dport=80, flags="R"))
PY
	sl nat stats
	sl -j nat stats | jq -e '.drops | [.tcp_bad_offset, .tcp_bad_flags, .truncated,
		.proto_unsupported, .no_flow] | all(. >= 1)' 
}

test_no_iptables_or_nft_rules_in_host() {
	local nft ipt
	nft=$(in_ns host nft list ruleset 2>&1)
	ipt=$(in_ns host iptables-save 2>/dev/null | grep -c '^-A')
	echo "nft: [$nft] iptables rules: $ipt"
	[ -z "$nft" ] && [ "$ipt" = 0 ]
}

# Short timeouts: a UDP flow leaves the table, and its mapping with it.
test_entries_expire_after_timeout() {
	daemon_start --interval 1
	expiry
	local rc=$?
	kill "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null
	return $rc
}
expiry() {
	sl nat timeouts udp 2 udp_stream 2 icmp 2 tcp_time_wait 2 tcp_close 2 || return 1
	sl nat ct flush || return 1	# entries keep the deadline they were given
	[ "$(nat_stat mappings)" = 0 ] || return 1
	echo x | in_ns c2 socat -T 1 - UDP:$SRV:9999,sourceport=6200 >/dev/null || return 1
	nat_ct | grep -q '10.20.0.12:6200' || return 1
	for _ in $(seq 20); do
		sleep 0.5
		nat_ct | grep -q '10.20.0.12:6200' || break
	done
	! nat_ct | grep -q '10.20.0.12:6200' || return 1
	sleep 2.5	# mappings outlive their last connection by a grace period
	echo "entries $(nat_stat entries), mappings $(nat_stat mappings)"
	[ "$(nat_stat mappings)" = 0 ]
}

# The uplink's address changes: the rule follows and old connections are flushed.
test_uplink_address_change_is_followed() {
	daemon_start --interval 1
	address_follow
	local rc=$?
	kill "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null
	return $rc
}
address_follow() {
	local seen
	echo x | in_ns c1 socat -T 1 - UDP:$SRV:9999,sourceport=6300 >/dev/null
	sl nat timeouts udp 120 udp_stream 120 || return 1
	ip -n "$HOST" addr flush dev up0 &&
	ip -n "$HOST" addr add 198.51.100.3/24 dev up0 &&
	ip -n "$HOST" route add default via $RTR || return 1
	for _ in $(seq 20); do
		sleep 0.5
		sl nat show | grep -q "to 198.51.100.3" && break
	done
	sl nat show
	seen=$(in_ns c1 curl -s -m 5 http://$SRV/)
	echo "server saw $seen"
	[ -n "$seen" ] || { in_ns c1 curl -sv -m 3 http://$SRV/; sl nat ct show; sl nat stats; }
	[ "$seen" = 198.51.100.3 ] && ! nat_ct | grep -q "\"$UP:"
}

# The subnets the NAT leaves alone follow the gateways: switch and VLAN ones, added and
# removed, as the datapath's trie holds them.
test_untranslated_subnets_follow_switch_and_vlan_gateways() {
	local got
	got=$(nat_local_subnets); echo "after nat add: $got"
	[ "$got" = "10.20.0.0/24 " ] || return 1
	sl switch add sw1 addr 10.40.0.1/24 && sl vlan add sw0 30 addr 10.41.0.1/24 name gw30 ||
		return 1
	got=$(nat_local_subnets); echo "after switch add, vlan add: $got"
	[ "$got" = "10.20.0.0/24 10.40.0.0/24 10.41.0.0/24 " ] || return 1
	sl vlan del sw0 30 && sl switch del sw1 || return 1
	got=$(nat_local_subnets); echo "after vlan del, switch del: $got"
	[ "$got" = "10.20.0.0/24 " ]
}

# Bad input: one line naming the culprit, exit 1, nothing changed anywhere.
nat_state() { snapshot; sl -j nat show; ls -R "/sys/fs/bpf/sluice/$PFX"; }
test_bad_input() {
	local before
	ip -n "$HOST" link add noaddr0 type veth peer name noaddr1 || return 1
	before=$(nat_state)
	fails "$T.bad_input_overlapping_rule" "src 10.20.0.0/16 overlaps rule m0" \
		sl nat add m1 src 10.20.0.0/16 out up0
	fails "$T.bad_input_existing_name" "nat rule m0 already exists" \
		sl nat add m0 src 10.30.0.0/24 out up0
	fails "$T.bad_input_device_without_ipv4" "device noaddr0 has no IPv4 address" \
		sl nat add m1 src 10.30.0.0/24 out noaddr0
	fails "$T.bad_input_unknown_device" "device nosuch0 does not exist" \
		sl nat add m1 src 10.30.0.0/24 out nosuch0
	fails "$T.bad_input_ports_out_of_order" 'ports "2000-1000"' \
		sl nat add m1 src 10.30.0.0/24 out up0 ports 2000-1000
	fails "$T.bad_input_ports_zero" 'ports "0-100"' sl nat add m1 src 10.30.0.0/24 out up0 ports 0-100
	fails "$T.bad_input_ports_too_high" 'ports "1000-65536"' \
		sl nat add m1 src 10.30.0.0/24 out up0 ports 1000-65536
	fails "$T.bad_input_bad_cidr" 'src "10.30.0.0/33"' sl nat add m1 src 10.30.0.0/33 out up0
	fails "$T.bad_input_switch_port_as_uplink" "device p-c1 is a switch port" \
		sl nat add m1 src 10.30.0.0/24 out p-c1 to 192.0.2.1
	fails "$T.bad_input_del_unknown" "nat rule nosuch does not exist" sl nat del nosuch
	# A src holding another rule's external address, or the reverse (docs/datapath.md).
	fails "$T.bad_input_src_holds_other_rules_external_address" "the external address of rule m0" \
		sl nat add m1 src "$(ip -n "$HOST" -4 -o addr show dev up0 | awk '{ sub("/.*", "/32", $4); print $4 }')" out up0
	fails "$T.bad_input_external_address_inside_other_rules_src" \
		"external address 10.20.0.5 is inside src 10.20.0.0/24 of rule m0" \
		sl nat add m1 src 10.30.0.0/24 out up0 to 10.20.0.5
	check "$T.bad_input_leaves_nothing_behind" test "$before" = "$(nat_state)"
	ip -n "$HOST" link del noaddr0
}

test_no_checksum_errors_in_any_namespace() { test "$(csum_errors)" = 0; }
test_no_private_address_ever_left_the_host() {
	kill "$LEAK_PID"; wait "$LEAK_PID" 2>/dev/null
	test "$(tcpdump -n -r "/tmp/$PFX-leak.pcap" 2>/dev/null | tee /dev/stderr | wc -l)" = 0
}

# Removing the rule stops the translation and unpins everything of the NAT.
test_del_stops_translation_and_unpins() {
	sl nat del m0 || return 1
	ping_fails c1 $SRV || return 1
	! ls "/sys/fs/bpf/sluice/$PFX" "/sys/fs/bpf/sluice/$PFX/links" | grep -E 'nat'
}

. "$(dirname "$0")/runner.sh"
