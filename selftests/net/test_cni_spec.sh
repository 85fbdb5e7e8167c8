#!/bin/bash
# sluice-cni against the CNI spec, driven directly with CNI_* variables and stdin JSON:
# VERSION, ADD (0.4.0 and 1.0.0 results), CHECK, idempotent DEL that releases the lease,
# the configuration keys, and every error path with its code, leaving nothing behind.
# modes: tc
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cni_lib.sh"

C=$CNI_DIR
# Two configurations, three containers, an uplink with a default route to "out", for ipMasq.
fixture() {
	conf "$C/v1.json" 1.0.0 net1 10.72.0.0/24
	conf "$C/v04.json" 0.4.0 net1 10.72.0.0/24
	ns_add c1 && ns_add c2 && ns_add c3 || return 1
	# An uplink with a default route to an outside namespace, for ipMasq.
	ns_add out || return 1
	ip -n "$HOST" link add up0 type veth peer name o0 netns "$PFX-out"
	ip -n "$HOST" addr add 192.0.2.2/24 dev up0 && ip -n "$HOST" link set up0 up
	ip -n "$PFX-out" addr add 192.0.2.1/24 dev o0 && ip -n "$PFX-out" link set o0 up
	ip -n "$HOST" route add default via 192.0.2.1
	in_ns host sysctl -qw net.ipv4.ip_forward=1
}

# VERSION
test_version() {
	check version_lists_versions eval 'cni VERSION "" "" "" <(echo "{\"cniVersion\":\"0.4.0\"}") &&
		jq_ok ".cniVersion == \"0.4.0\" and ([\"0.4.0\", \"1.0.0\"] - .supportedVersions == [])"'
	check version_takes_podman_probe eval 'cni VERSION dummy "" dummy <(echo "{\"cniVersion\":\"1.0.0\"}") &&
		jq_ok ".cniVersion == \"1.0.0\""'
}

# ADD, 1.0.0
test_add_v1() {
	check add_v1 cni ADD ctr1 c1 eth0 "$C/v1.json"
	cp "$C/out" "$C/r1.json"
	check add_v1_result jq_ok ".cniVersion == \"1.0.0\" and (.interfaces | length) == 2 and
		.interfaces[1] == {name: \"eth0\", mac: .interfaces[1].mac, sandbox: \"/var/run/netns/$PFX-c1\"} and
		.ips == [{address: \"10.72.0.2/24\", gateway: \"10.72.0.1\", interface: 1}] and
		.routes == [{dst: \"0.0.0.0/0\"}]"
	check add_v1_container_address eval 'in_ns c1 ip -o addr show eth0 | grep -q "inet 10.72.0.2/24"'
	check add_v1_container_default_route eval 'in_ns c1 ip route show default | grep -q "via 10.72.0.1 dev eth0"'
	check add_v1_mac_matches_result eval 'in_ns c1 ip -o link show eth0 | grep -q "$(jq -r ".interfaces[1].mac" "$C/r1.json")"'
	check add_made_switch_with_gateway eval 'sl switch show cni0 | grep -q "addr 10.72.0.1/24"'
	check add_port_marked_cni eval 'sl -j port show | jq -e "any(.[]; .cni and .ip == \"10.72.0.2\")"'
	check add_gateway_reachable ping_ok c1 10.72.0.1
}

# ADD, 0.4.0: ips carry "version"
#@ after=add_v1
test_add_v04() {
	check add_v04 cni ADD ctr2 c2 eth0 "$C/v04.json"
	cp "$C/out" "$C/r2.json"
	check add_v04_result jq_ok '.cniVersion == "0.4.0" and .ips[0].version == "4" and .ips[0].address == "10.72.0.3/24"'
	check containers_reach_each_other ping_ok c2 10.72.0.2
	check leases_held eval '[ "$(leases)" = "10.72.0.2 10.72.0.3 " ]'
}

# CHECK with prevResult, both versions; then after the container lost its address
#@ after=add_v04
test_check() {
	with_prev "$C/v1.json" "$C/r1.json" "$C/chk1.json"
	with_prev "$C/v04.json" "$C/r2.json" "$C/chk2.json"
	check check_v1 cni CHECK ctr1 c1 eth0 "$C/chk1.json"
	check check_v04 cni CHECK ctr2 c2 eth0 "$C/chk2.json"
	check check_wrong_container_fails cni_err 100 CHECK ctr9 c1 eth0 "$C/chk1.json"
	in_ns c1 ip addr del 10.72.0.2/24 dev eth0
	check check_missing_address_fails cni_err 100 CHECK ctr1 c1 eth0 "$C/chk1.json"
	check check_names_missing_address jq_ok '.msg | contains("10.72.0.2/24")'
	in_ns c1 ip addr add 10.72.0.2/24 dev eth0
	in_ns c1 ip route add default via 10.72.0.1
	check check_needs_prev_result cni_err 7 CHECK ctr1 c1 eth0 "$C/v1.json"
	conf "$C/v031.json" 0.3.1 net1 10.72.0.0/24
	with_prev "$C/v031.json" "$C/r1.json" "$C/chk031.json"
	check check_refused_before_040 cni_err 1 CHECK ctr1 c1 eth0 "$C/chk031.json"
}

# DEL: releases the lease and removes the port; again, and without a netns, is no error
#@ after=check
test_del() {
	port1=$(jq -r '.interfaces[0].name' "$C/r1.json")
	check del_v1 cni DEL ctr1 c1 eth0 "$C/v1.json"
	check del_prints_nothing eval '[ ! -s "$C/out" ]'
	check del_released_lease eval '[ "$(leases)" = "10.72.0.3 " ]'
	check del_removed_port eval '! sl port show "$port1" 2>/dev/null && ! ip -n "$HOST" link show "$port1" 2>/dev/null'
	check del_removed_container_link eval '! in_ns c1 ip link show eth0 2>/dev/null'
	check del_again_is_ok cni DEL ctr1 c1 eth0 "$C/v1.json"
	check del_without_netns_is_ok cni DEL ctr1 "" eth0 "$C/v1.json"
	# The container's netns went first (a runtime may remove it before DEL)
	ip netns del "$PFX-c2"
	check del_after_netns_gone cni DEL ctr2 c2 eth0 "$C/v04.json"
	check del_after_netns_gone_released eval '[ -z "$(leases)" ]'
	ns_add c2
}

# Keys: mtu, vlan, macspoofchk, xdp, ipMasq (default-route uplink)
#@ after=del
test_keys() {
	conf "$C/keys.json" 1.0.0 net1 10.72.0.0/24 ',"mtu":1400,"vlan":1,"macspoofchk":false,"xdp":"generic","ipMasq":true'
	check add_with_keys cni ADD ctr3 c3 eth0 "$C/keys.json"
	port3=$(jq -r '.interfaces[0].name' "$C/out")
	check mtu_container eval 'in_ns c3 ip -o link show eth0 | grep -q "mtu 1400"'
	check mtu_host eval 'ip -n "$HOST" -o link show "$port3" | grep -q "mtu 1400"'
	check xdp_generic_and_no_spoofchk eval 'sl port show "$port3" | grep -q "hook xdp generic .*spoofchk no"'
	check ipmasq_rule_on_default_uplink eval 'sl nat show | grep -q "src 10.72.0.0/24 .*out up0"'
	check ipmasq_reaches_outside ping_ok c3 192.0.2.1
	check ipmasq_second_add_shares_rule cni ADD ctr1 c1 eth0 "$C/keys.json"
	check ipmasq_one_rule eval '[ "$(sl nat show | grep -c "src 10.72.0.0/24")" = 1 ]'
	check del_ctr1_again cni DEL ctr1 c1 eth0 "$C/keys.json"
	check del_ctr3 cni DEL ctr3 c3 eth0 "$C/keys.json"
}

with_ports() {	# IN OUT MAPPINGS-JSON
	jq --argjson m "$3" '.runtimeConfig = {portMappings: $m}' "$1" >"$2"
}
pubs() { sl -j nat publish show 2>/dev/null | jq -r '[.[] | "\(.proto):\(.port)>\(.to)@\(.out)"] | sort | join(" ")'; }
# portMappings (podman -p): published on the masquerade rule's uplink, taken back by DEL
#@ after=keys
test_portmappings() {
	with_ports "$C/keys.json" "$C/pm.json" '[{"hostPort":8080,"containerPort":80,"protocol":"tcp","hostIP":""},{"hostPort":5353,"containerPort":53,"protocol":"udp"}]'
	check add_portmappings cni ADD ctr3 c3 eth0 "$C/pm.json"
	pm_addr=$(jq -r '.ips[0].address | split("/")[0]' "$C/out")
	check portmappings_published eval '[ "$(pubs)" = "tcp:8080>$pm_addr:80@up0 udp:5353>$pm_addr:53@up0" ] || { pubs; false; }'
	bg_ns c3 /usr/bin/python3 "$ROOT/selftests/net/nat_sem_peers.py" tcp-serve 80
	sleep 0.5
	check portmapping_reaches_container eval 'in_ns out python3 "$ROOT/selftests/net/nat_sem_peers.py" tcp-probe 192.0.2.2 8080 2 | grep -qx "connected: 192.0.2.1"'
	with_ports "$C/keys.json" "$C/pm2.json" '[{"hostPort":8080,"containerPort":80}]'
	before=$(snapshot; leases; pubs)
	check portmapping_taken_port_fails cni_err 100 ADD ctr11 c1 eth0 "$C/pm2.json"
	check portmapping_taken_port_left_nothing eval '[ "$(snapshot; leases; pubs)" = "$before" ]'
	check del_portmappings cni DEL ctr3 c3 eth0 "$C/pm.json"
	check del_unpublished eval '[ -z "$(pubs)" ] || { pubs; false; }'
	check del_portmappings_again cni DEL ctr3 c3 eth0 "$C/pm.json"
	with_ports "$C/keys.json" "$C/pmsctp.json" '[{"hostPort":8080,"containerPort":80,"protocol":"sctp"}]'
	check portmapping_bad_protocol cni_err 7 ADD ctr3 c3 eth0 "$C/pmsctp.json"
	check portmapping_bad_protocol_del_ok cni DEL ctr3 c3 eth0 "$C/pmsctp.json"
	conf "$C/nomasq.json" 1.0.0 net7 10.75.0.0/24 ',"switch":"cni5"'
	with_ports "$C/nomasq.json" "$C/pmnomasq.json" '[{"hostPort":8080,"containerPort":80}]'
	before=$(snapshot; leases)
	check portmapping_without_nat_rule cni_err 7 ADD ctr3 c3 eth0 "$C/pmnomasq.json"
	check portmapping_without_nat_rule_left_nothing eval '[ "$(snapshot; leases)" = "$before" ]'
}

# A trunk port with a native VLAN (a second network on its own switch)
test_trunk() {
	conf "$C/trunk.json" 1.0.0 net2 10.73.0.0/24 ',"switch":"cni1","trunk":"10,20","vlan":10'
	check add_trunk cni ADD ctr4 c3 eth0 "$C/trunk.json"
	check trunk_mode eval 'sl port show | grep -q "switch cni1 .*mode trunk"'
	check del_trunk cni DEL ctr4 c3 eth0 "$C/trunk.json"
}

# isGateway on VLAN 20: the gateway is that VLAN's, on a switch made without one
test_vlan_gateway() {
	conf "$C/vlan.json" 1.0.0 net6 10.78.0.0/24 ',"switch":"cni4","vlan":20'
	check add_vlan_gateway cni ADD ctr8 c3 eth0 "$C/vlan.json"
	check vlan_gateway_made eval 'sl vlan show cni4 | grep -q "10.78.0.1/24" && ! sl switch show cni4 | grep -q addr'
	check vlan_gateway_reachable ping_ok c3 10.78.0.1
	check del_vlan cni DEL ctr8 c3 eth0 "$C/vlan.json"
}

unchanged() { [ "$(snapshot; leases)" = "$before" ] || { echo "state changed"; diff <(echo "$before") <(snapshot; leases); return 1; }; }
err_case() {	# NAME CODE COMMAND ID NS IFNAME CONF
	local name=$1; shift
	check "err_$name" cni_err "$@"
	check "err_${name}_left_nothing" unchanged
}
# Errors: a spec error object with its code, and nothing changed (links, pins, leases)
#@ after=add_v1
test_errors() {
	before=$(snapshot; leases)
	printf '{"cniVersion":"1.0.0","name":"x","type":"sluice","ipam":' >"$C/trunc.json"
	conf "$C/oldver.json" 0.2.0 net1 10.72.0.0/24
	conf "$C/unknown.json" 1.0.0 net1 10.72.0.0/24 ',"hairpinMode":true'
	conf "$C/badtype.json" 1.0.0 net1 10.72.0.0/24 ',"mtu":"big"'
	conf "$C/badmtu.json" 1.0.0 net1 10.72.0.0/24 ',"mtu":40'
	conf "$C/badsw.json" 1.0.0 net1 10.72.0.0/24 ',"switch":"a-very-long-switch"'
	conf "$C/badvlan.json" 1.0.0 net1 10.72.0.0/24 ',"vlan":4095'
	conf "$C/badtrunk.json" 1.0.0 net1 10.72.0.0/24 ',"trunk":"10,5000"'
	conf "$C/badxdp.json" 1.0.0 net1 10.72.0.0/24 ',"xdp":"fast"'
	jq 'del(.ipam)' "$C/v1.json" >"$C/noipam.json"
	sed 's/"host-local"/"no-such-ipam"/' "$C/v1.json" >"$C/noplugin.json"
	conf "$C/overlap.json" 1.0.0 net3 10.72.0.0/25 ',"switch":"cni2"'
	conf "$C/othergw.json" 1.0.0 net4 10.74.0.0/24
	conf "$C/badup.json" 1.0.0 net1 10.72.0.0/24 ',"ipMasq":true,"uplink":"nosuch0"'
	sed 's|"ranges":\[\[{"subnet":"10.72.0.0/24",|"ranges":[[{"subnet":"10.72.0.0/24","rangeStart":"10.72.0.9","rangeEnd":"10.72.0.9",|' "$C/v1.json" >"$C/tiny.json"
	check err_no_command eval '! nsenter --net=/var/run/netns/$HOST env -i "$CNI" <"$C/v1.json" >"$C/out" 2>/dev/null && jq_ok ".code == 4"'
	err_case bad_command 4 BOGUS ctr5 c3 eth0 "$C/v1.json"
	err_case not_json 6 ADD ctr5 c3 eth0 "$C/trunc.json"
	err_case old_version 1 ADD ctr5 c3 eth0 "$C/oldver.json"
	err_case unknown_key 2 ADD ctr5 c3 eth0 "$C/unknown.json"
	check err_unknown_key_named jq_ok '.msg | contains("hairpinMode")'
	err_case key_type 7 ADD ctr5 c3 eth0 "$C/badtype.json"
	err_case mtu_range 7 ADD ctr5 c3 eth0 "$C/badmtu.json"
	err_case switch_name 7 ADD ctr5 c3 eth0 "$C/badsw.json"
	err_case vlan_range 7 ADD ctr5 c3 eth0 "$C/badvlan.json"
	err_case trunk_list 7 ADD ctr5 c3 eth0 "$C/badtrunk.json"
	err_case xdp_mode 7 ADD ctr5 c3 eth0 "$C/badxdp.json"
	err_case no_ipam 7 ADD ctr5 c3 eth0 "$C/noipam.json"
	err_case ipam_not_in_path 7 ADD ctr5 c3 eth0 "$C/noplugin.json"
	err_case no_container_id 4 ADD "" c3 eth0 "$C/v1.json"
	err_case no_ifname 4 ADD ctr5 c3 "" "$C/v1.json"
	err_case no_netns 4 ADD ctr5 "" eth0 "$C/v1.json"
	err_case netns_missing 3 ADD ctr5 nosuch eth0 "$C/v1.json"
	err_case ifname_taken 100 ADD ctr5 out o0 "$C/v1.json"
	check err_ifname_taken_details jq_ok '(.details // "") | contains("already exists")'
	err_case overlapping_subnet 7 ADD ctr5 c3 eth0 "$C/overlap.json"
	check err_overlap_named jq_ok '.msg | contains("overlaps switch cni0")'
	err_case switch_other_gateway 7 ADD ctr5 c3 eth0 "$C/othergw.json"
	err_case ipmasq_bad_uplink 100 ADD ctr5 c3 eth0 "$C/badup.json"
	check tiny_range_first cni ADD ctr6 c3 eth0 "$C/tiny.json"
	before=$(snapshot; leases)
	err_case ipam_exhausted 999 ADD ctr7 c1 eth0 "$C/tiny.json"
	check err_ipam_message_passed jq_ok '(.msg | startswith("IPAM host-local ADD: ")) and (.msg | contains("no IP addresses available"))'
	check del_tiny cni DEL ctr6 c3 eth0 "$C/tiny.json"
	check del_bad_config_is_an_error cni_err 6 DEL ctr6 c3 eth0 "$C/trunc.json"
}

par_add() {
	nsenter --net="/var/run/netns/$HOST" env -i PATH="$PATH" CNI_COMMAND=ADD CNI_CONTAINERID="$1" \
		CNI_NETNS="/var/run/netns/$PFX-$2" CNI_IFNAME=eth1 CNI_PATH=/usr/lib/cni "$CNI" \
		<"$C/par.json" >"$C/par-$1.out" 2>&1
}
# Two containers started together on a switch that does not exist yet: both ADDs succeed.
test_parallel_adds() {
	conf "$C/par.json" 1.0.0 net5 10.79.0.0/24 ',"switch":"cni3"'
	check parallel_adds_on_new_switch eval 'par_add p1 c1 & a=$!; par_add p2 c2 & b=$!; wait $a && wait $b ||
		{ cat "$C"/par-p*.out; exit 1; }'
	check parallel_adds_reach ping_ok c1 "$(jq -r '.ips[0].address | split("/")[0]' "$C/par-p2.out")"
}

. "$(dirname "$0")/runner.sh"
