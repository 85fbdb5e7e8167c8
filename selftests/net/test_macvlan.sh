#!/bin/bash
# Macvlan endpoints and host macvlan ports on a veth parent whose peer is a "LAN"
# namespace: container <-> LAN, container <-> container on the same parent, VLANs kept
# apart on the parent and tagged towards the LAN, a veth container reaching the LAN
# through a host macvlan port, masquerade from a macvlan container, removal, bad input.
# modes: tc
. "$(dirname "$0")/lib.sh"

T=tc.macvlan

# host: lan0 (192.168.50.1/24, the NAT uplink, hooked before the LAN port comes) <-> lan: eth0 192.168.50.2/24, and an
# AF_PACKET peer on it answering 192.168.60.2 in VLAN 10.
# sw0 (gateway 10.0.0.1/24): m1, m2 macvlan endpoints on the LAN (VLAN 1, untagged);
# v10a, v10b in VLAN 10 and v20 in VLAN 20, all in 192.168.60.0/24; up: host macvlan
# port of lan0 (trunk 10, native 1); c1: veth container 192.168.50.21; nat: macvlan
# container 10.0.0.31 behind the switch gateway, masqueraded out of lan0.
fixture() {
	ns_add lan &&
	ip -n "$HOST" link add lan0 type veth peer name eth0 netns "$PFX-lan" &&
	ip -n "$HOST" addr add 192.168.50.1/24 dev lan0 && ip -n "$HOST" link set lan0 up &&
	ip -n "$PFX-lan" addr add 192.168.50.2/24 dev eth0 && ip -n "$PFX-lan" link set eth0 up &&
	in_ns host sysctl -qw net.ipv4.ip_forward=1 &&
	sl switch add sw0 addr 10.0.0.1/24 &&
	for c in m1/192.168.50.11/24 m2/192.168.50.12/24 v10a/192.168.60.11/24 v10b/192.168.60.12/24 \
		 v20/192.168.60.21/24 nat/10.0.0.31/24; do
		ns_add "${c%%/*}" || return 1
	done &&
	sl port add sw0 p-m1 macvlan parent lan0 netns "$PFX-m1" addr 192.168.50.11/24 &&
	sl port add sw0 p-m2 macvlan parent lan0 netns "$PFX-m2" addr 192.168.50.12/24 &&
	sl port add sw0 p-v10a macvlan parent lan0 netns "$PFX-v10a" addr 192.168.60.11/24 vlan 10 &&
	sl port add sw0 p-v10b macvlan parent lan0 netns "$PFX-v10b" addr 192.168.60.12/24 vlan 10 &&
	sl port add sw0 p-v20 macvlan parent lan0 netns "$PFX-v20" addr 192.168.60.21/24 vlan 20 &&
	sl nat add mq src 10.0.0.0/24 out lan0 &&	# first: the LAN hook must still go ahead of it
	sl port add sw0 up macvlan parent lan0 trunk 1,10 native 1 &&
	container_add c1 sw0 192.168.50.21/24 &&
	sl port add sw0 p-nat macvlan parent lan0 netns "$PFX-nat" addr 10.0.0.31/24 &&
	listen lan eth0 --answer 10/192.168.60.2 || return 1
	V10A_MAC=$(mac_of v10a)
	M1_MAC=$(mac_of m1)
	bg_ns lan socat TCP-LISTEN:9100,reuseaddr,fork SYSTEM:'echo $SOCAT_PEERADDR'
	pause 0.5
}

test_endpoint_reaches_lan() { ping_ok m1 192.168.50.2; }
test_endpoints_on_one_parent_reach_each_other() { ping_ok m1 192.168.50.12; }
test_same_vlan_endpoints_reach_each_other() { ping_ok v10a 192.168.60.12; }
test_vlans_apart_on_one_parent() { ping_fails v20 192.168.60.11; }
test_vlan_endpoint_reaches_tagged_lan_peer() { ping_ok v10a 192.168.60.2; }
test_other_vlan_gets_no_answer_from_lan_peer() { ping_fails v20 192.168.60.2; }
test_veth_container_reaches_lan_through_host_macvlan() { ping_ok c1 192.168.50.2; }
test_veth_container_reaches_macvlan_endpoint() { ping_ok c1 192.168.50.11; }
test_masquerade_from_macvlan_endpoint() { ping_ok nat 192.168.50.2; }

mac_of() { in_ns "$1" cat /sys/class/net/eth0/address; }
# stat PORT JQEXPR: JQEXPR over the port's counters is true. statn PORT JQEXPR: its value.
stat() { sl -j stats "$1" | jq -e ".[0] | $2" >/dev/null || { sl -j stats "$1"; return 1; }; }
statn() { sl_json ".[0] | $2" stats "$1"; }

test_lan_sees_vlan_10_tagged_and_vlan_1_untagged() {
	seen lan eth0 "f['src'] == '$V10A_MAC' and f['vid'] == 10" &&
	! seen lan eth0 "f['src'] == '$V10A_MAC' and f['vid'] != 10" &&
	seen lan eth0 "f['src'] == '$M1_MAC' and f['vid'] is None" &&
	! seen lan eth0 "f['src'] == '$M1_MAC' and f['vid'] is not None"
}

test_lan_sees_only_the_uplink_address() {
	seen lan eth0 "f.get('ip_src') == '192.168.50.1' and f.get('ip_dst') == '192.168.50.2' and f.get('icmp_type') == 8" &&
	! seen lan eth0 "f.get('ip_src') == '10.0.0.31'"
}
test_tcp_from_macvlan_endpoint_is_masqueraded() {
	local got
	# -t: after our EOF, wait for the answer (a forked "echo", slow under TCG)
	got=$(in_ns nat socat -T $((3 * SLOW)) -t $((3 * SLOW)) - TCP:192.168.50.2:9100,connect-timeout=3 </dev/null) || return 1
	echo "server saw $got"
	[ "$got" = 192.168.50.1 ] &&
	sl -j nat ct show | jq -e 'any(.[]; .proto == "tcp" and .dst == "192.168.50.2:9100")' 
}

# The LAN's frames reach an endpoint only in its VLAN: the endpoint's own hook decides.
lan_send() { in_ns lan /usr/bin/python3 "$PEER" send eth0 "$@"; }
test_endpoint_takes_only_its_vlan_from_the_lan() {
	local d0 t0
	d0=$(statn p-v10a '.drops.vlan_not_allowed // 0'); t0=$(statn p-v10a .tx_packets)
	lan_send --dst "$V10A_MAC" --vid 20 --marker wrong-vlan --count 20 &&
	lan_send --dst "$V10A_MAC" --marker untagged --count 20 &&
	lan_send --dst "$V10A_MAC" --vid 10 --marker right-vlan --count 20 || return 1
	sleep 0.2
	# 40 dropped, 20 delivered; the LAN's own broadcasts may add a few of either
	stat p-v10a "(.drops.vlan_not_allowed // 0) >= $d0 + 40 and .tx_packets >= $t0 + 20 and .tx_packets < $t0 + 30"
}
test_vlan_10_broadcast_dropped_at_vlan_20_endpoint() {
	local d0
	d0=$(statn p-v20 '.drops.vlan_not_allowed // 0')
	in_ns v10a ping -c 1 -W 1 -b 192.168.60.255 >/dev/null 2>&1	# an ARP-free broadcast
	in_ns v10a arping -c 1 -w 1 -I eth0 192.168.60.77 >/dev/null 2>&1 ||
		in_ns v10a ping -c 1 -W 1 192.168.60.77 >/dev/null 2>&1	# ARP broadcast
	sleep 0.2
	stat p-v20 "(.drops.vlan_not_allowed // 0) > $d0"
}

test_endpoint_source_address_is_checked() {
	local d0
	d0=$(statn p-v10b '.drops.spoofed_ip // 0')
	in_ns v10b ip addr add 192.168.60.99/24 dev eth0 || return 1
	! in_ns v10b ping -c 2 -i 0.2 -W 1 -I 192.168.60.99 -q 192.168.60.11 >/dev/null
	local rc=$?
	in_ns v10b ip addr del 192.168.60.99/24 dev eth0
	[ $rc = 0 ] && stat p-v10b "(.drops.spoofed_ip // 0) > $d0"
}

test_port_set_moves_an_endpoint_between_vlans() {
	sl port set p-v20 vlan 10 || return 1
	ping_ok v20 192.168.60.11; local rc=$?
	sl port set p-v20 vlan 20 || return 1
	[ $rc = 0 ] && ping_fails v20 192.168.60.11
}

test_upgrade_swaps_endpoint_and_lan_hooks() {
	local out
	out=$(sl -j upgrade) || return 1
	echo "$out"
	# 6 endpoints x 2, the LAN hook x 2, 2 NAT hooks, the NAT's guard on the gateway: tcx
	# links, or before 6.6 clsact filters (the guard's is not swapped there); 3 switch ports:
	# clsact filters on every kernel
	jq -e '[.links, .clsact] | . == [17, 3] or . == [0, 19]' <<<"$out" >/dev/null &&
	ping_ok m1 192.168.50.2 && ping_ok v10a 192.168.60.12 && ping_ok c1 192.168.50.2 &&
	ping_ok nat 192.168.50.2
}

test_port_show_names_kind_and_parent() {
	in_ns v10a cat /sys/class/net/eth0/ifindex >"/tmp/$PFX-v10a-ifindex"
	sl -j port show p-v10a | jq -e --arg ns "$PFX-v10a" --argjson ifx "$(cat "/tmp/$PFX-v10a-ifindex")" \
		'.[0] | .kind == "macvlan endpoint" and .parent == "lan0" and .vlan == 10 and
		 .netns == $ns and .ip == "192.168.60.11" and .ifindex == $ifx' &&
	sl port show up | grep -q "kind macvlan lan parent lan0"
}

# Bad input: one clear line, nothing made.
test_bad_input() {
	local before
	before=$(snapshot)
	fails "$T.bad_input_no_parent" 'macvlan needs "parent DEV"' sl port add sw0 p-x macvlan netns "$PFX-m1" ifname x0
	fails "$T.bad_input_missing_parent" 'parent nosuch0 does not exist' sl port add sw0 p-x macvlan parent nosuch0 netns "$PFX-m1" ifname x0
	fails "$T.bad_input_missing_netns" 'netns nosuchns' sl port add sw0 p-x macvlan parent lan0 netns nosuchns
	fails "$T.bad_input_ifname_taken" 'device eth0 already exists in netns' sl port add sw0 p-x macvlan parent lan0 netns "$PFX-m1"
	fails "$T.bad_input_xdp_on_endpoint" 'xdp is not for macvlan endpoints' sl port add sw0 p-x macvlan parent lan0 netns "$PFX-m1" ifname x0 xdp native
	fails "$T.bad_input_parent_without_macvlan" 'only a macvlan port has a parent' sl port add sw0 p-x netns "$PFX-m1" ifname x0 parent lan0
	fails "$T.bad_input_parent_not_ethernet" 'create macvlan x0 of lo' sl port add sw0 p-x macvlan parent lo netns "$PFX-m1" ifname x0
	fails "$T.bad_input_vlan" 'vlan "4095"' sl port add sw0 p-x macvlan parent lan0 netns "$PFX-m1" ifname x0 vlan 4095
	fails "$T.bad_input_second_lan_port_on_parent" 'the LAN of lan0 already joins a switch through port up' sl port add sw0 up2 macvlan parent lan0
	fails "$T.bad_input_xdp_on_lan_port" 'xdp is not for macvlan ports' sl port set up xdp generic
	fails "$T.bad_input_static_fdb_on_endpoint" 'port p-m1 is a macvlan endpoint' sl fdb add sw0 02:00:00:00:00:99 port p-m1
	fails "$T.bad_input_lan_port_untagged_not_vlan_1" 'untagged frames on a macvlan parent.s wire are VLAN 1' sl port set up trunk 1,10 native 10
	check "$T.bad_input_changes_nothing" [ "$before" = "$(snapshot)" ]
}

# Removing an endpoint removes its macvlan and its pins; its neighbours keep working.
test_port_del_removes_the_endpoint_macvlan() {
	local slot
	slot=$(sl_json '.[0].slot' port show p-m2)
	sl port del p-m2 || return 1
	! ip -n "$PFX-m2" link show eth0 2>/dev/null &&
	! ls "/sys/fs/bpf/sluice/$PFX/links" | grep -q "^ep${slot}_" &&
	ping_ok m1 192.168.50.2
}

# The LAN port goes: the parent is unhooked (and no longer promiscuous); an existing host
# macvlan taken as "dev" brings the LAN back.
test_existing_host_macvlan_as_dev_port() {
	sl port del up || return 1
	ip -n "$HOST" link show lan0 | grep -q PROMISC && { echo "lan0 still promiscuous"; return 1; }
	ls "/sys/fs/bpf/sluice/$PFX/links" | grep -q _lan_ && { echo "LAN links left"; return 1; }
	ping_fails c1 192.168.50.2 || return 1
	ip -n "$HOST" link add mvx link lan0 type macvlan mode bridge && ip -n "$HOST" link set mvx up &&
	sl port add sw0 mvx dev trunk 1,10 native 1 &&
	ip -n "$HOST" link show lan0 | grep -q PROMISC && ping_ok c1 192.168.50.2 &&
	ping_ok nat 192.168.50.2	# hooked after the NAT this time
}

# A container that goes away takes its macvlan along; the daemon forgets the port.
test_daemon_forgets_endpoint_of_deleted_netns() {
	ip netns del "$PFX-m1" || return 1
	daemon_start --interval 1
	for _ in $(seq 30); do
		sl port show p-m1 >/dev/null 2>&1 || break
		sleep 0.2
	done
	kill "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null
	! sl port show p-m1 >/dev/null 2>&1
}

#@ after=existing_host_macvlan_as_dev_port
test_switch_del_removes_endpoints_and_hooks() {
	sl switch del sw0 && sl nat del mq || return 1
	[ ! -e "/sys/fs/bpf/sluice/$PFX" ] || { find "/sys/fs/bpf/sluice/$PFX"; return 1; }
	local c
	for c in m2 v10a v10b v20 nat; do
		ip -n "$PFX-$c" link show eth0 >/dev/null 2>&1 && { echo "$c keeps eth0"; return 1; }
	done
	! ip -n "$HOST" link show lan0 | grep -q PROMISC && ip -n "$HOST" link show mvx >/dev/null
}
. "$(dirname "$0")/runner.sh"
