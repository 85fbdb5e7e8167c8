#!/bin/bash
# NAT66 masquerade with real tools: dual-stack containers -- host (sluice switch + nat, IPv4
# and IPv6 rules) -- router -- outside, with a 1280-byte link beyond the router. The router
# has no route back to fd00:66::/64, so only translated traffic is answered.
# modes: tc xdp
NS_IPV6=1
. "$(dirname "$0")/lib.sh"

MODE=${1:-tc}
XDP=()
[ "$MODE" = xdp ] && XDP=(xdp native)
T=nat66.$MODE
UP6=2001:db8:66:1::2 RTR6=2001:db8:66:1::1 SRV6=2001:db8:66:2::10 UP6B=2001:db8:66:1::3
UP=198.51.100.2 SRV=203.0.113.10
RTR_NS=$PFX-rtr

fixture() {
	in_ns host sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 &&
	sl switch add sw0 addr 10.66.0.1/24 addr fd00:66::1/64 &&
	container_add c1 sw0 10.66.0.11/24 gw 10.66.0.1 addr fd00:66::11/64 gw6 fd00:66::1 "${XDP[@]}" &&
	container_add c2 sw0 10.66.0.12/24 gw 10.66.0.1 addr fd00:66::12/64 gw6 fd00:66::1 "${XDP[@]}" &&
	ns_add rtr && ns_add out &&
	ip -n "$HOST" link add up0 type veth peer name r0 netns "$RTR_NS" &&
	ip -n "$RTR_NS" link add r1 type veth peer name o0 netns "$PFX-out" &&
	ip -n "$HOST" addr add $UP/24 dev up0 && ip -n "$HOST" addr add $UP6/64 dev up0 nodad &&
	ip -n "$HOST" link set up0 up &&
	ip -n "$HOST" route add default via 198.51.100.1 &&
	ip -n "$HOST" -6 route add default via $RTR6 &&
	ip -n "$RTR_NS" addr add 198.51.100.1/24 dev r0 && ip -n "$RTR_NS" addr add $RTR6/64 dev r0 nodad &&
	ip -n "$RTR_NS" link set r0 up &&
	ip -n "$RTR_NS" addr add 203.0.113.1/24 dev r1 &&
	ip -n "$RTR_NS" addr add 2001:db8:66:2::1/64 dev r1 nodad &&
	in_ns rtr sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 &&
	# The narrowest link IPv6 allows beyond the router: PMTU discovery through the NAT.
	ip -n "$RTR_NS" link set r1 mtu 1280 up &&
	ip -n "$PFX-out" link set o0 mtu 1280 &&
	ip -n "$PFX-out" addr add $SRV/24 dev o0 && ip -n "$PFX-out" addr add $SRV6/64 dev o0 nodad &&
	ip -n "$PFX-out" link set o0 up &&
	ip -n "$PFX-out" route add default via 203.0.113.1 &&
	ip -n "$PFX-out" -6 route add default via 2001:db8:66:2::1 &&
	ip -n "$HOST" link add up1 type veth peer name up1p && ip -n "$HOST" link set up1 up || return 1

	# Every packet on the router's uplink side with a container address in it, all run long.
	bg_ns rtr tcpdump -n -U -i r0 -w "/tmp/$PFX-leak.pcap" ip6 net fd00:66::/64
	LEAK_PID=$BG_PID
	printf '#!/bin/sh\nprintf "HTTP/1.0 200 OK\\r\\n\\r\\n%%s\\n" "$SOCAT_PEERADDR"\n' >"/tmp/$PFX-http.sh"
	chmod +x "/tmp/$PFX-http.sh"
	bg_ns out socat -T 5 TCP6-LISTEN:8066,reuseaddr,fork SYSTEM:"/tmp/$PFX-http.sh"
	bg_ns out socat -T 5 TCP4-LISTEN:8064,reuseaddr,fork SYSTEM:"/tmp/$PFX-http.sh"
	head -c 3M /dev/urandom >"/tmp/$PFX-blob"
	bg_ns out socat -T 10 -u TCP6-LISTEN:8067,reuseaddr OPEN:"/tmp/$PFX-up.out",creat
	pause 1
}

# Bad input first: refused with a message naming the wrong thing, nothing made; then the
# rules every later test uses.
test_rules() {
	fails "$T.v4_to_with_v6_src_refused" 'to "192.0.2.1" is not an IPv6 address' \
		sl nat add bad src fd00:66::/64 out up0 to 192.0.2.1
	fails "$T.v6_to_with_v4_src_refused" 'to "2001:db8::1" is not an IPv4 address' \
		sl nat add bad src 10.66.0.0/24 out up0 to 2001:db8::1
	fails "$T.bad_v6_prefix_refused" 'src "fd00:66::/129" is not an IPv6 CIDR' \
		sl nat add bad src fd00:66::/129 out up0
	fails "$T.uplink_without_v6_refused" 'device up1 has no global IPv6 address' \
		sl nat add bad src fd00:66::/64 out up1
	check "$T.refusals_left_nothing" test ! -e "/sys/fs/bpf/sluice/$PFX/sl_nat6_rules"

	sl nat add m4 src 10.66.0.0/24 out up0 || { echo "FAIL $T.nat_add_v4"; return 1; }
	sl nat add m6 src fd00:66::/64 out up0 || { echo "FAIL $T.nat_add_v6"; return 1; }
	check "$T.show_picks_uplink_global_address" \
		test "$(sl_json '.[] | select(.name=="m6") | "\(.src) \(.to) \(.follow)"' nat show)" = \
		"fd00:66::/64 $UP6 true"
	fails "$T.overlapping_v6_rule_refused" 'src overlaps rule m6' \
		sl nat add m7 src fd00:66::/48 out up0
	check "$T.refused_overlap_changed_nothing" test "$(sl_json 'length' nat show)" = 2
	fails "$T.publish_on_v6_rule_refused" 'rule m6 is IPv6' \
		sl nat publish add m6 proto tcp port 8080 to 10.66.0.11
}

ping6_ok() { in_ns "$1" ping -6 -c 2 -i 0.2 -W 2 -q "$2" >/dev/null; }
#@ after=rules
test_ping6_outside() { ping6_ok c1 $SRV6; }
curl6_sees() {
	local seen
	seen=$(in_ns "$1" curl -6 -s -m 5 "http://[$SRV6]:8066/") || return 1
	echo "server saw $seen"
	/usr/bin/python3 -c 'import ipaddress, sys; sys.exit(ipaddress.ip_address(sys.argv[1].strip("[]")) != ipaddress.ip_address(sys.argv[2]))' "$seen" "$2"
}
#@ after=rules
test_curl6_server_sees_uplink_address() { curl6_sees c1 $UP6; }
#@ after=rules
test_dual_stack_container_both_families() {
	ping_ok c2 $SRV && ping6_ok c2 $SRV6 || return 1
	[ "$(in_ns c2 curl -4 -s -m 5 http://$SRV:8064/)" = $UP ] && curl6_sees c2 $UP6
}
#@ after=rules
test_tracepath6_sees_router_and_pmtu() {
	local out
	out=$(in_ns c1 timeout 20 tracepath -6 -n -m 6 $SRV6) || true
	echo "$out"
	echo "$out" | grep -q "$RTR6" && echo "$out" | grep -q "pmtu 1280" &&
		echo "$out" | grep -qE "reached|$SRV6"
}
# c1's route to the server still says 1500: the first full segment meets the 1280 link,
# the router's Packet Too Big must reach c1 translated, and the transfer completes.
#@ after=rules
test_packet_too_big_reaches_container_tcp_completes() {
	local before after
	in_ns c1 ip -6 route flush cache 2>/dev/null
	before=$(sl_json .icmp_errors nat stats)
	in_ns c1 socat -T 10 -u OPEN:"/tmp/$PFX-blob" TCP6:[$SRV6]:8067,mss=1400 || return 1
	pause 0.5
	cmp "/tmp/$PFX-blob" "/tmp/$PFX-up.out" || return 1
	after=$(sl_json .icmp_errors nat stats)
	echo "icmp errors translated: $before -> $after"
	[ "$after" -gt "$before" ] || [ "$before" -gt 0 ]
}
#@ after=rules
test_ct_show_filters_ipv6_entries() {
	local n
	n=$(sl_json 'length' nat ct show src fd00:66::11)
	echo "$n IPv6 connections of c1"; sl nat ct show src fd00:66::11
	[ "$n" -ge 1 ] && [ "$(sl_json '[.[] | select(.proto=="icmp6")] | length' nat ct show \
		src fd00:66::/64 proto icmp)" -ge 1 ]
}
#@ after=rules
test_stats_count_ipv6() { test "$(sl_json .snat6_packets nat stats)" -gt 0; }
#@ after=rules
test_stats_rules_counts_ipv6_entries() { test "$(sl_json '.[0].entries' nat stats rules m6)" -ge 1; }

# Address-and-port-dependent filtering: c1 sends from port 7777 to the server's port 5353;
# the server's port 5353 may answer, its port 5354 and other hosts may not.
filtering() {
	/usr/bin/python3 - "$PFX" "$SRV6" "$UP6" <<'PY'
import os, socket, subprocess, sys, time
pfx, srv, ext = sys.argv[1:4]
ns = lambda n, code: subprocess.Popen(["ip", "netns", "exec", f"{pfx}-{n}", "/usr/bin/python3", "-c", code],
                                      stdout=subprocess.PIPE, text=True)
c1 = ns("c1", f"""
import socket
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); s.bind(("::", 7777)); s.settimeout(3)
s.sendto(b"hi", ("{srv}", 5353)); got = []
try:
    while True: got.append(s.recvfrom(100)[1][1])
except socket.timeout: pass
print(sorted(set(got)))""")
time.sleep(1)
out = ns("out", f"""
import socket
for port in (5354, 5353):
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); s.bind(("::", port))
    for _ in range(3): s.sendto(b"x", ("{ext}", 7777))""")
out.wait(5)
got = c1.communicate(timeout=10)[0].strip()
print("c1 received from ports", got)
sys.exit(0 if got == "[5353]" else 1)
PY
}
#@ after=rules
test_unsolicited_inbound_not_delivered() { filtering; }
#@ after=rules
test_unsolicited_counted() { test "$(sl_json .unsolicited nat stats)" -ge 3; }

# The daemon follows the uplink's address: the old one goes, a new one comes.
#@ after=rules
test_uplink_address_change_followed() {
	local rc
	daemon_start --interval 1
	follow6; rc=$?
	kill "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null
	return $rc
}
follow6() {
	ip -n "$HOST" addr add $UP6B/64 dev up0 nodad &&
	ip -n "$HOST" addr del $UP6/64 dev up0 || return 1
	for _ in $(seq 50); do
		[ "$(sl_json '.[] | select(.name=="m6") | .to' nat show)" = $UP6B ] && break
		sleep 0.2
	done
	sl nat show
	curl6_sees c1 $UP6B
}

#@ after=rules
test_no_private_ipv6_address_left_the_host() {
	kill "$LEAK_PID"; wait "$LEAK_PID" 2>/dev/null
	local n
	n=$(tcpdump -n -r "/tmp/$PFX-leak.pcap" 2>/dev/null | wc -l)
	echo "$n packets with a container address on the uplink"
	[ "$n" = 0 ]
}
#@ after=rules
test_nat_del_removes_v6_rule() { sl nat del m6 && test "$(sl_json length nat show)" = 1; }
. "$(dirname "$0")/runner.sh"
