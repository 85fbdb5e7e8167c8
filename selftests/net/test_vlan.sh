#!/bin/bash
# 802.1Q with real traffic: access ports kept apart (ping, ARP, floods), trunks towards
# AF_PACKET peers and a second switch (tags on the wire, PCP), the same MAC in two
# VLANs, per-VLAN gateways routed by the host only, port moves, vlan add/del, bad input.
# modes: tc xdp
. "$(dirname "$0")/lib.sh"

MODE=${1:-tc}
XDP=()
[ "$MODE" = xdp ] && XDP=(xdp native)
T=$MODE.vlan
SHARED_MAC=02:00:00:00:0a:01	# a1 (VLAN 10) and b2 (VLAN 20) both use it

# sw0 -- VLAN 10: a1 a2; VLAN 20: b1 b2; tr: AF_PACKET peer on trunk 10,20 answering
# 10.30.10.50 in VLAN 10 and 10.30.20.50 in VLAN 20 with one MAC; tr2: AF_PACKET
# listener on trunk 10,20 native 20; up0: trunk 10,20 to a second switch, sw1, whose
# trunk up1 keeps its tags as skb metadata (veth carries them out of band), and whose
# d1 is in VLAN 10.
fixture() {
	sl switch add sw0 &&
	container_add a1 sw0 10.30.10.11/24 vlan 10 gw 10.30.10.1 mac $SHARED_MAC "${XDP[@]}" &&
	container_add a2 sw0 10.30.10.12/24 vlan 10 gw 10.30.10.1 "${XDP[@]}" &&
	container_add b1 sw0 10.30.20.21/24 vlan 20 gw 10.30.20.1 "${XDP[@]}" &&
	container_add b2 sw0 10.30.20.22/24 vlan 20 gw 10.30.20.1 mac $SHARED_MAC "${XDP[@]}" &&
	ns_add tr && sl port add sw0 p-tr netns "$PFX-tr" trunk 10,20 spoofchk off "${XDP[@]}" &&
	ns_add tr2 &&
	sl port add sw0 p-tr2 netns "$PFX-tr2" trunk 10,20 native 20 spoofchk off "${XDP[@]}" &&
	sl switch add sw1 &&
	ip -n "$HOST" link add up0 type veth peer name up1 &&
	sl port add sw0 up0 dev trunk 10,20 "${XDP[@]}" &&
	sl port add sw1 up1 dev trunk 10,20 "${XDP[@]}" &&
	ip -n "$HOST" link set up1 up &&
	container_add d1 sw1 10.30.10.31/24 vlan 10 "${XDP[@]}" &&
	in_ns host sysctl -qw net.ipv4.ip_forward=0 &&
	sl vlan add sw0 10 addr 10.30.10.1/24 &&
	sl vlan add sw0 20 addr 10.30.20.1/24 || return 1
	for l in a2/eth0 b1/eth0 b2/eth0 tr2/eth0 host/sw0.10 host/sw0.20; do
		listen "${l%/*}" "${l#*/}" || return 1
	done
	listen tr eth0 --answer 10/10.30.10.50 --answer 20/10.30.20.50 || return 1
	TR_MAC=$(in_ns tr cat /sys/class/net/eth0/address)
	TR2_MAC=$(in_ns tr2 cat /sys/class/net/eth0/address)
	ns_add tg && ns_add tgc	# for metadata_tag_from_container_dropped_on_access_port
}

test_vlan_show_lists_members_and_gateways() {
	local want out
	want=$'sw0 vlan 10 untagged p-a1,p-a2 tagged p-tr,p-tr2,up0 gateway sw0.10 addr 10.30.10.1/24\n'
	want+='sw0 vlan 20 untagged p-b1,p-b2,p-tr2 tagged p-tr,up0 gateway sw0.20 addr 10.30.20.1/24'
	out=$(sl vlan show sw0)
	[ "$out" = "$want" ] || { echo "got:"; echo "$out"; return 1; }
}
test_vlan_show_json() {
	sl -j vlan show sw0 | jq -e '(map(.vlan) | sort) == [10, 20] and
		(.[] | select(.vlan == 10) | .untagged == ["p-a1", "p-a2"] and .tagged == ["p-tr", "p-tr2", "up0"]) and
		(.[] | select(.vlan == 20) | .gateway == "sw0.20" and .addr == "10.30.20.1/24")'
}
test_port_show_lists_trunk_membership() { sl port show p-tr2 | grep -q 'mode trunk vlans 10,20 native 20'; }

test_same_vlan_containers_ping() { ping_ok a1 10.30.10.12 && ping_ok b1 10.30.20.22; }

arp10='f.get("arp_tpa") == "10.30.20.21" and f.get("arp_spa") == "10.30.10.11"'
# a1 believes 10.30.20.0/24 is on its link: its ARP stays in VLAN 10 and nobody answers.
test_ping_and_arp_fail_across_vlans() {
	in_ns a1 ip route add 10.30.20.0/24 dev eth0 || return 1
	ping_fails a1 10.30.20.21
	local rc=$?
	in_ns a1 ip neigh show 10.30.20.21 | grep -q lladdr && rc=1
	in_ns a1 ip route del 10.30.20.0/24 dev eth0
	[ $rc = 0 ] && unseen b1 eth0 "$arp10"
}

# That ARP request (broadcast in VLAN 10) went to every VLAN-10 port, tagged on trunks.
#@ after=ping_and_arp_fail_across_vlans
test_broadcast_in_vlan10_reaches_vlan10_ports_only() {
	all_seen a2 eth0 "$arp10" 'f["vid"] is None' &&
	all_seen tr eth0 "$arp10" 'f["vid"] == 10 and len(f["tags"]) == 1 and f["tags"][0]["tpid"] == 0x8100' &&
	all_seen tr2 eth0 "$arp10" 'f["vid"] == 10' &&
	all_seen host sw0.10 "$arp10" 'f["vid"] is None' &&
	unseen b1 eth0 "$arp10" && unseen b2 eth0 "$arp10" && unseen host sw0.20 "$arp10"
}
arp20='f.get("arp_tpa") == "10.30.20.99" and f.get("arp_spa") == "10.30.20.21"'
test_broadcast_in_vlan20_reaches_vlan20_ports_only() {
	ping_fails b1 10.30.20.99
	all_seen b2 eth0 "$arp20" 'f["vid"] is None' &&
	all_seen tr eth0 "$arp20" 'f["vid"] == 20' &&
	all_seen tr2 eth0 "$arp20" 'f["vid"] is None' &&	# VLAN 20 is tr2's native VLAN
	all_seen host sw0.20 "$arp20" 'f["vid"] is None' &&
	unseen a2 eth0 "$arp20" && unseen host sw0.10 "$arp20"
}

# The peer answers only in the VLAN each address lives in, tagged like the request.
test_trunk_peer_sees_tags_and_its_tagged_replies_reach_the_right_vlan() {
	ping_ok a1 10.30.10.50 && ping_ok b1 10.30.20.50 || return 1
	all_seen tr eth0 'f.get("ip_src") == "10.30.10.11"' 'f["vid"] == 10 and len(f["tags"]) == 1' &&
	all_seen tr eth0 'f.get("ip_src") == "10.30.20.21"' 'f["vid"] == 20 and len(f["tags"]) == 1'
}
test_trunk_peer_address_unreachable_from_other_vlan() {
	in_ns b1 ip route add 10.30.10.50/32 dev eth0 || return 1
	ping_fails b1 10.30.10.50
	local rc=$?
	in_ns b1 ip route del 10.30.10.50/32 dev eth0
	return $rc
}

# sw1 sends its tags as skb metadata over the veth: sw0 must see them in both hooks.
test_container_behind_second_switch_pings_across_trunk() { ping_ok a1 10.30.10.31; }
test_container_behind_second_switch_unreachable_from_other_vlan() {
	in_ns b1 ip route add 10.30.10.31/32 dev eth0 || return 1
	ping_fails b1 10.30.10.31
	local rc=$?
	in_ns b1 ip route del 10.30.10.31/32 dev eth0
	return $rc
}

# Same MAC on a1 (VLAN 10) and b2 (VLAN 20), and the peer's MAC in both VLANs on p-tr.
test_same_mac_in_two_vlans() {
	ping_ok a1 10.30.10.12 && ping_ok b2 10.30.20.21 && ping_ok a1 10.30.10.50 &&
	ping_ok b2 10.30.20.50 || return 1
	# every wanted (vlan, mac) -> port entry, as "VLAN MAC PORT" lines
	local got w
	got=$(sl_json '.[] | "\(.vlan) \(.mac) \(.port)"' fdb show switch sw0)
	for w in "10 $SHARED_MAC p-a1" "20 $SHARED_MAC p-b2" "10 $TR_MAC p-tr" "20 $TR_MAC p-tr"; do
		grep -qxF "$w" <<<"$got" || { echo "missing: $w"; echo "$got"; return 1; }
	done
}

# PCP and DEI stay on a trunk -> trunk hop: unicast (to tr2, once learned) and flooded.
send_from() {
	local ns=$1; shift
	in_ns "$ns" /usr/bin/python3 "$PEER" send eth0 "$@"
}
test_pcp_survives_trunk_to_trunk() {
	send_from tr2 --dst ff:ff:ff:ff:ff:ff --vid 10 --marker hello-from-tr2 &&
	send_from tr --dst "$TR2_MAC" --vid 10 --pcp 5 --dei --marker pcp-unicast &&
	send_from tr --dst ff:ff:ff:ff:ff:ff --vid 10 --pcp 3 --marker pcp-flood || return 1
	sleep 0.3
	all_seen tr2 eth0 'f.get("marker") == "pcp-unicast"' 'f["vid"] == 10 and f["pcp"] == 5 and f["dei"] == 1' &&
	all_seen tr2 eth0 'f.get("marker") == "pcp-flood"' 'f["vid"] == 10 and f["pcp"] == 3 and f["dei"] == 0' &&
	all_seen a2 eth0 'f.get("marker") == "pcp-flood"' 'f["vid"] is None' &&
	unseen a2 eth0 'f.get("marker") == "pcp-unicast"' && unseen b1 eth0 'f.get("marker") == "pcp-flood"'
}

# Gateways: the host routes between VLAN 10 and 20 when it forwards, and only then.
test_no_route_between_vlans_without_host_forwarding() { ping_fails a1 10.30.20.21; }
test_host_routes_between_vlan_gateways_when_forwarding() {
	local out rc
	in_ns host sysctl -qw net.ipv4.ip_forward=1 || return 1
	out=$(in_ns a1 ping -c 2 -i 0.2 -W 1 10.30.20.21); rc=$?
	in_ns host sysctl -qw net.ipv4.ip_forward=0
	echo "$out"
	[ $rc = 0 ] && grep -q "ttl=63" <<<"$out" &&	# one routing hop: the host
	seen host sw0.10 'f.get("ip_src") == "10.30.10.11" and f.get("ip_dst") == "10.30.20.21"'
}

# Moving a2 into VLAN 20 leaves nothing of it in VLAN 10 and disturbs no one else. a2
# keeps its address (anti-spoofing holds it), so a2 and b1 get on-link routes to each other.
only_vlan20_entries_of_a2() {
	sl -j fdb show port p-a2 | jq -e 'all(.vlan == 20)'
}
# A container whose frames carry their tag as skb metadata: here it runs a sluice switch of
# its own, trunk on its eth0, whose tc program pushes the tag out of band; a veth keeps it
# so unless its TX VLAN offload is off. Its access port drops them as tagged, XDP included.
inner() { "$SLUICE" --instance "$PFX-tg" --netns "$PFX-tg" "$@"; }
tagged_on_access() {
	sl_json '.[0].drops.vlan_tagged_on_access // 0' stats p-tg
}
test_metadata_tag_from_container_dropped_on_access_port() {
	local d0 d1 rc
	sl port add sw0 p-tg netns "$PFX-tg" vlan 10 spoofchk off "${XDP[@]}" || return 1
	inner switch add swt && inner port add swt eth0 dev trunk 20 &&
	inner port add swt p-tgc netns "$PFX-tgc" addr 10.30.10.99/24 vlan 20 || return 1
	# Unicast to a1's known MAC: on an XDP port that is the fast path, not a flood to tc.
	in_ns tgc ip neigh replace 10.30.10.11 lladdr "$(in_ns a1 cat /sys/class/net/eth0/address)" \
		dev eth0 || return 1
	d0=$(tagged_on_access)
	in_ns tgc ping -c 3 -i 0.2 -W 1 -q 10.30.10.11 >/dev/null	# leaves tagged 20
	d1=$(tagged_on_access)
	echo "p-tg vlan_tagged_on_access: $d0 -> $d1"
	[ "$d1" -ge $((d0 + 3)) ]; rc=$?
	inner switch del swt && sl port del p-tg || return 1
	return $rc
}

test_port_vlan_change_moves_it_without_leftover_fdb_entries() {
	sl port set p-a2 vlan 20 && only_vlan20_entries_of_a2 || return 1
	in_ns a2 ip route add 10.30.20.0/24 dev eth0 && in_ns b1 ip route add 10.30.10.12/32 dev eth0 ||
		return 1
	ping_ok a2 10.30.20.21 && ping_fails a2 10.30.10.11 && ping_ok a1 10.30.10.50 || return 1
	only_vlan20_entries_of_a2 && sl -j fdb show port p-a2 | grep -q '"vlan":20' &&
	sl vlan show sw0 | grep -q '^sw0 vlan 10 untagged p-a1 tagged' &&
	sl vlan show sw0 | grep -q '^sw0 vlan 20 untagged p-a2,p-b1,p-b2,p-tr2 tagged'
}

#@ after=port_vlan_change_moves_it_without_leftover_fdb_entries
test_vlan_del_removes_gateway() {
	sl vlan del sw0 20 || return 1
	! ip -n "$HOST" link show sw0.20 2>/dev/null && ! sl -j port show | grep -q sw0.20-gw &&
	sl vlan show sw0 | grep -qx 'sw0 vlan 20 untagged p-a2,p-b1,p-b2,p-tr2 tagged p-tr,up0' &&
	ping_fails b1 10.30.20.1 && ping_ok a1 10.30.10.1
}

test_trunk_range_is_one_vlan_show_entry() {
	sl port set p-tr trunk 10,20,100-199 &&
	[ "$(sl vlan show sw0 | grep -c 'vlan 1[0-9][0-9]')" = 1 ] &&
	sl vlan show sw0 | grep -qx 'sw0 vlan 100 to 199 tagged p-tr' &&
	sl -j vlan show sw0 | grep -q '"vlan":100,"to":199,"untagged":\[\],"tagged":\["p-tr"\]'
}

# Bad input: one line naming the culprit, exit 1, nothing changed anywhere.
test_bad_input() {
	local before
	before=$(snapshot)
	fails "$T.bad_vid_0" 'vlan "0" is not a VLAN id' sl port set p-a1 vlan 0
	fails "$T.bad_vid_4095" 'vlan "4095" is not a VLAN id' sl port set p-a1 vlan 4095
	fails "$T.bad_vid_4096_in_list" 'trunk "10,4096": 4096 is not a VLAN id' sl port set p-tr trunk 10,4096
	fails "$T.bad_vid_0_in_list" 'trunk "0-5": 0 is not a VLAN id' sl port set p-tr trunk 0-5
	fails "$T.bad_list_empty_item" 'trunk "10,,20": empty item' sl port set p-tr trunk 10,,20
	fails "$T.bad_list_reversed_range" 'trunk "20-10": range 20-10 is reversed' sl port set p-tr trunk 20-10
	fails "$T.bad_list_not_a_number" 'trunk "a": a is not a VLAN id' sl port set p-tr trunk a
	fails "$T.bad_list_trailing_comma" 'trunk "10,20,": empty item' sl port set p-tr trunk 10,20,
	fails "$T.bad_native_not_in_list" 'native VLAN 30 is not in the trunk.s list 10,20' \
		sl port set p-tr2 trunk 10,20 native 30
	fails "$T.bad_native_without_trunk" 'native 20: only a trunk' sl port set p-a1 native 20
	fails "$T.bad_vlan_and_trunk_on_one_port" 'twice \("vlan 10" and "trunk 10,20"\)' \
		sl port set p-a1 vlan 10 trunk 10,20
	fails "$T.bad_vlan_and_trunk_on_new_port" 'twice \("trunk 10" and "vlan 10"\)' \
		sl port add sw0 p-x netns "$PFX-a1" ifname eth9 trunk 10 vlan 10
	fails "$T.bad_gateway_exists" 'vlan 10 of switch sw0 already has a gateway \(sw0.10\)' \
		sl vlan add sw0 10 addr 10.30.11.1/24
	fails "$T.bad_gateway_overlaps" 'vlan 30 of switch sw0: 10.30.10.200/25 overlaps gateway sw0.10 \(10.30.10.1/24\)' \
		sl vlan add sw0 30 addr 10.30.10.200/25
	fails "$T.bad_gateway_vid_4095" 'vlan "4095" is not a VLAN id' sl vlan add sw0 4095 addr 10.30.40.1/24
	fails "$T.bad_gateway_vid_0" 'vlan "0" is not a VLAN id' sl vlan add sw0 0 addr 10.30.40.1/24
	fails "$T.bad_gateway_no_switch" 'switch nosuch does not exist' sl vlan add nosuch 30 addr 10.30.40.1/24
	fails "$T.bad_gateway_no_addr" 'give the gateway.s "addr CIDR"' sl vlan add sw0 30
	fails "$T.bad_gateway_long_name" 'gateway name sw0.30 is longer|name "a-very-long-if"' \
		sl vlan add sw0 30 addr 10.30.40.1/24 name a-very-long-if
	fails "$T.bad_vlan_del_no_gateway" 'vlan 30 of switch sw0 has no gateway' sl vlan del sw0 30
	check "$T.bad_input_leaves_nothing_behind" test "$before" = "$(snapshot)"
}

test_switch_del_removes_vlan_gateways() {
	sl switch del sw0 || return 1
	! ip -n "$HOST" -o link show | grep -q 'sw0\.' || return 1
	sl switch del sw1 && [ ! -e "/sys/fs/bpf/sluice/$PFX" ]
}

. "$(dirname "$0")/runner.sh"

