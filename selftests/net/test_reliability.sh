#!/bin/bash
# What misled or let an operator down (issue #13 items 7, 9-12, 14, 15): long trunk lists,
# stale ports, named limits, one owner per address, FDB entries in the port's VLAN, empty
# states as answers, dead NAT entries hidden, errors that say what is wrong.
# modes: tc
. "$(dirname "$0")/lib.sh"

T=reliab
OUT=198.51.100.9
fixture() {
	in_ns host sysctl -qw net.ipv4.ip_forward=1 &&
	sl switch add sw0 addr 10.52.0.1/24 &&
	container_add c1 sw0 10.52.0.11/24 gw 10.52.0.1 &&
	container_add c2 sw0 10.52.0.12/24 gw 10.52.0.1 &&
	container_add v20 sw0 10.52.20.11/24 vlan 20 &&
	ns_add out &&
	ip -n "$HOST" link add up0 type veth peer name o0 netns "$PFX-out" &&
	ip -n "$HOST" addr add 198.51.100.1/24 dev up0 && ip -n "$HOST" link set up0 up &&
	ip -n "$PFX-out" addr add $OUT/24 dev o0 && ip -n "$PFX-out" link set o0 up &&
	ip -n "$HOST" link add hv0 type veth peer name hv1
}
jqr() { jq -r "$1"; }

# Item 7: a trunk of 2047 VLANs (every other one) is shown whole.
test_trunk_2047_vlans() {
	ODD=$(seq -s, 1 2 4093)
	check "$T.trunk_2047_vlans_added" sl port add sw0 hv0 dev trunk "$ODD"
	check "$T.trunk_2047_vlans_shown_whole" test "$(sl -j port show hv0 | jqr '.[0].vlans')" = "$ODD"
	sl port del hv0
}

# Item 12: an empty state is an answer (exit 0), also with -j after the object words.
test_empty_states() {
	NONE=("$SLUICE" --instance "$PFX-none" --netns "$HOST")
	check "$T.json_switch_show_empty" test "$("${NONE[@]}" -j switch show)" = "[]"
	check "$T.json_port_show_empty" test "$("${NONE[@]}" -j port show)" = "[]"
	check "$T.json_fdb_show_empty" test "$("${NONE[@]}" -j fdb show)" = "[]"
	check "$T.json_stats_empty" test "$("${NONE[@]}" -j stats)" = "[]"
	check "$T.json_nat_show_empty" test "$("${NONE[@]}" -j nat show)" = "[]"
	check "$T.json_nat_ct_empty" test "$("${NONE[@]}" -j nat ct show)" = "[]"
	check "$T.json_nat_stats_zero" test "$("${NONE[@]}" -j nat stats | jqr '.entries + ([.drops[]] | add // 0)')" = 0
	check "$T.json_nat_timeouts_defaults" test "$("${NONE[@]}" -j nat timeouts | jqr .udp)" = 30
	check "$T.json_no_nat_rule_stats" test "$(sl -j nat stats | jqr .flows)" = 0
	check "$T.json_no_nat_rule_ct" test "$(sl -j nat ct show)" = "[]"
	check "$T.json_flag_after_object" test "$(sl switch show sw0 -j | jqr '.[0].name')" = sw0
	fails "$T.show_missing_is_an_error" "switch sw9 does not exist" "${NONE[@]}" -j switch show sw9
}

many_switches() {
	local i
	for i in $(seq 1 256); do
		"$SLUICE" --instance "$PFX-many" --netns "$HOST" switch add "m$i" 2>/dev/null || return 1
	done
}
# Item 10: limits and names said as such.
test_limits_named() {
	check "$T.switches_256" many_switches
	fails "$T.switch_257_names_limit" "an instance holds at most 256 switches" \
		"$SLUICE" --instance "$PFX-many" --netns "$HOST" switch add m257
	fails "$T.instance_with_dot" 'instance name "rt.x" is invalid .*bpffs forbids dots' \
		"$SLUICE" --instance rt.x --netns "$HOST" switch show
	container_add jumbo sw0 10.52.0.30/24 || echo "FAIL $T.jumbo_port"
	ip -n "$HOST" link set p-jumbo mtu 9000 && ip -n "$PFX-jumbo" link set eth0 mtu 9000
	fails "$T.xdp_native_mtu_explained" "native XDP on a veth caps it at about 3.5k" \
		sl port set p-jumbo xdp native
	check "$T.xdp_native_refusal_left_tc" test "$(sl -j port show p-jumbo | jqr '.[0].hook')" = tc
}

from_22() { in_ns c2 ping -c 2 -i 0.2 -W 1 -q -I 10.52.0.22 10.52.0.1 >/dev/null; }
fdb_vlan() { sl -j fdb show | jq --arg m "$1" '[.[] | select(.mac == $m) | .vlan][0]'; }
neigh_forgotten() {
	ping_ok c1 10.52.0.1 && in_ns host ping -c 1 -W 1 -q 10.52.0.11 >/dev/null || return 1
	ip -n "$HOST" neigh show 10.52.0.11 dev sw0 | grep -q lladdr || return 1
	sl port del p-c1 || return 1
	ip -n "$HOST" neigh show 10.52.0.11 dev sw0
	! ip -n "$HOST" neigh show 10.52.0.11 dev sw0 | grep -q lladdr
}
# Item 11: one owner per address; the FDB entry goes to the port's VLAN; set addr.
test_one_owner_per_address() {
	ns_add c3 || return 1
	fails "$T.duplicate_addr_refused" "address 10.52.0.11 is port p-c1's on switch sw0" \
		sl port add sw0 p-c3 netns "$PFX-c3" addr 10.52.0.11/24
	fails "$T.gateway_addr_refused" "address 10.52.0.1 is the gateway's own on switch sw0" \
		sl port add sw0 p-c3 netns "$PFX-c3" addr 10.52.0.1/24
	fails "$T.set_duplicate_addr_refused" "address 10.52.0.11 is port p-c1's" \
		sl port set p-c2 addr 10.52.0.11/24
	# Another VLAN is another broadcast domain: the same address there is no conflict, until the
	# port moves into the first one.
	check "$T.same_addr_other_vlan_allowed" sl port add sw0 p-c3 netns "$PFX-c3" addr 10.52.0.11/24 vlan 30
	fails "$T.vlan_move_into_conflict_refused" "address 10.52.0.11 is port p-c1's" sl port set p-c3 vlan 1
	check "$T.same_addr_other_vlan_del" sl port del p-c3
	# A container that moved to another address is let through once the port is told.
	in_ns c2 ip addr add 10.52.0.22/24 dev eth0
	check "$T.new_addr_spoofed_before_set" eval '! from_22'
	check "$T.set_addr" sl port set p-c2 addr 10.52.0.22/24
	check "$T.new_addr_passes_after_set" from_22
	check "$T.fdb_add_defaults_to_port_vlan" sl fdb add sw0 02:00:00:00:00:99 port p-v20
	check "$T.fdb_entry_in_vlan_20" test "$(fdb_vlan 02:00:00:00:00:99)" = 20
	fails "$T.fdb_zero_mac_refused" "is the zero address" sl fdb add sw0 00:00:00:00:00:00 port p-c1
	fails "$T.fdb_port_not_in_vlan_refused" "port p-v20 is not in VLAN 1" \
		sl fdb add sw0 02:00:00:00:00:98 port p-v20 vlan 1
	# The host forgets a removed port's neighbour entry: its address may come back on another MAC.
	check "$T.port_del_forgets_neighbour" neigh_forgotten
}

# Item 9: a port whose netns was deleted without a daemon: port add says so, and how to fix.
test_stale_port() {
	ip netns del "$PFX-c2"
	ns_add c2 || return 1
	fails "$T.stale_port_explained" "port p-c2 already exists, but its device is gone .*sluice port del p-c2" \
		sl port add sw0 p-c2 netns "$PFX-c2" addr 10.52.0.12/24
	check "$T.stale_port_deleted" sl port del p-c2
	check "$T.stale_port_made_again" sl port add sw0 p-c2 netns "$PFX-c2" addr 10.52.0.12/24 gw 10.52.0.1
}

ct_count() { sl -j nat ct show | jq length; }
# Item 14: an expired NAT entry is not shown while no daemon removes it.
test_nat_expired_hidden() {
	check "$T.nat_add" sl nat add m0 src 10.52.0.0/24 out up0
	sl nat timeouts icmp 1
	check "$T.nat_ping" ping_ok c2 $OUT
	check "$T.nat_entry_shown_while_live" test "$(ct_count)" -ge 1
	sleep 2.5
	check "$T.nat_expired_entry_hidden" test "$(ct_count)" = 0
}

# Item 15: errors that say what is wrong, and what would be right.
test_errors_say_what() {
	fails "$T.port_add_no_name" "the port's NAME is missing" sl port add sw0
	fails "$T.port_add_no_kind" 'which kind of port\? give "netns NS"' sl port add sw0 web
	fails "$T.port_set_lists_options" 'unknown option "bogus" \(set takes addr, xdp, vlan' \
		sl port set p-c2 bogus 1
	fails "$T.port_set_creation_option" '"netns" is given when the port is made' \
		sl port set p-c2 netns x
	fails "$T.fdb_show_trailing_word" 'fdb: unknown option "foo"' sl fdb show vlan 20 foo
	fails "$T.nat_out_switch_port" "device sw0-gw is a switch port: a switch port cannot be an uplink" \
		sl nat add m1 src 10.53.0.0/24 out sw0-gw
	fails "$T.nat_out_gateway" "device sw0 is a switch's gateway" sl nat add m1 src 10.53.0.0/24 out sw0
	fails "$T.did_you_mean_object" 'unknown object "prot": did you mean "port"' sl prot show
	fails "$T.did_you_mean_command" 'unknown command "sohw": did you mean "show"' sl port sohw
	check "$T.object_help" sh -c "'$SLUICE' port help | grep -q 'set NAME \[addr CIDR\]'"
}

. "$(dirname "$0")/runner.sh"
