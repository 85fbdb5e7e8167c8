#!/bin/bash
# Published ports (issue #15 part 4, docker run -p): the neighbour reaches c1's servers
# through the uplink address; answers and ICMP errors come back translated; conflicts are
# clear errors; published flows survive a daemon restart and `sluice upgrade`.
# modes: tc slowpath
. "$(dirname "$0")/nat_sem_lib.sh"

T=nat_publish.$MODE

fixture() {
	nat_sem_topology && sl nat add m0 src $SUB out up0 ports 40000-49999 "${NAT_FP[@]}" || return 1
	nat_sem_servers
	daemon_start --interval 1
}

tcp_via() { in_ns nb python3 "$SEM_PEERS" tcp-probe $UP "$1" 2; }
ct_count() { sl_json .count nat ct count "$@"; }

test_add() {
	check "$T.add_tcp" sl nat publish add m0 proto tcp port 8080 to $C1:7000
	check "$T.add_udp" sl nat publish add m0 proto udp port 5353 to $C1:9999
	check "$T.add_range_to_one_port" sl nat publish add m0 proto tcp port 9000-9003 to $C1:7000
	check "$T.add_from_cidr" sl nat publish add m0 proto tcp port 8081 to $C1:7000 from 192.0.2.0/24
	check "$T.add_closed_port" sl nat publish add m0 proto udp port 5354 to $C1:9998
}

# The container sees the neighbour's own address (DNAT only, as docker -p without the proxy).
#@ after=add
test_tcp_reaches_container() { tcp_via 8080 | grep -qx "connected: $NB"; }
#@ after=add
test_tcp_range_port() { tcp_via 9002 | grep -qx "connected: $NB"; }
#@ after=add
test_udp_answer_from_uplink_address() {
	in_ns nb python3 $SEM_PEERS udp-probe $UP 5353 2 | grep -qx "answer from $UP: $NB probe"
}
#@ after=add
test_icmp_port_unreachable_translated() { in_ns nb python3 "$SEM_PEERS" udp-refused $UP 5354 2; }
#@ after=add
test_from_other_source_not_published() { ! tcp_via 8081; }
#@ after=add
test_unpublished_port_is_the_hosts() { ! tcp_via 8082; }
#@ after=tcp_reaches_container
test_connection_tracked() { [ "$(ct_count src $C1 sport 7000 dst $NB)" -gt 0 ]; }
# Hairpin: c2 reaches c1 through the uplink address, c1 sees the gateway (test_nat_hairpin.sh).
#@ after=add
test_hairpin_reaches_container() {
	in_ns c2 python3 $SEM_PEERS tcp-probe $UP 8080 2 | grep -qx "connected: $GW"
}
# The host's own connection to its uplink address: refused unless host-cgroup is set (with
# it: test_nat_hostpub.sh).
#@ after=add
test_host_to_own_uplink_refused_without_host_cgroup() {
	! in_ns host python3 $SEM_PEERS tcp-probe $UP 8080 2
}
#@ after=add
test_direct_access_still_blocked() { ! in_ns nb python3 $SEM_PEERS tcp-probe $C1 7000 1; }

show_is() {
	local want=$1 got
	got=$(sl nat publish show | sort | tr '\n' ';'); echo "$got"
	[ "$got" = "$want" ]
}
#@ after=add
test_show() {
	show_is "m0 proto tcp port 8080 to $C1:7000 from 0.0.0.0/0 out up0;m0 proto tcp port 8081 to $C1:7000 from 192.0.2.0/24 out up0;m0 proto tcp port 9000-9003 to $C1:7000 from 0.0.0.0/0 out up0;m0 proto udp port 5353 to $C1:9999 from 0.0.0.0/0 out up0;m0 proto udp port 5354 to $C1:9998 from 0.0.0.0/0 out up0;"
}
#@ after=add
test_stats_rules_count_published_ports() { [ "$(sl_json '.[0].published' nat stats rules m0)" = 8 ]; }
#@ after=add
test_show_json() {
	[ "$(sl_json '.[0] | keys | join(",")' nat publish show m0)" = "from,out,port,proto,rule,to" ]
}

# Conflicts and bad input: one clear line, nothing written.
#@ after=add
test_bad_input() {
	fails "$T.same_port_twice" "port 8080/tcp of up0 is already published \(to $C1:7000\)" \
		sl nat publish add m0 proto tcp port 8080 to $C2:80
	fails "$T.range_overlapping_a_published_port" "port 9003/tcp of up0 is already published" \
		sl nat publish add m0 proto tcp port 9003-9010 to $C2:80
	fails "$T.inside_masquerade_range" "port 45000-45000 overlaps the masquerade range 40000-49999 of rule m0" \
		sl nat publish add m0 proto tcp port 45000 to $C2:80
	fails "$T.to_outside_the_subnet" "192.0.2.9 is not in rule m0's subnet" \
		sl nat publish add m0 proto tcp port 8090 to 192.0.2.9:80
	fails "$T.unknown_rule" "nat rule nosuch does not exist" sl nat publish add nosuch proto tcp port 1 to $C1
	fails "$T.bad_proto" 'proto "sctp": expected tcp or udp' sl nat publish add m0 proto sctp port 1 to $C1
	fails "$T.bad_port" 'port "0": expected PORT' sl nat publish add m0 proto tcp port 0 to $C1
	fails "$T.range_lengths_differ" "to ports 80-81: give one port or a range as long as 8100-8102" \
		sl nat publish add m0 proto tcp port 8100-8102 to $C1:80-81
	fails "$T.del_unpublished" "port 8099/tcp is not published by rule m0" sl nat publish del m0 proto tcp port 8099
	check "$T.nothing_written_by_failures" eval "[ \$(sl nat publish show | wc -l) = 5 ]"
}

# Restarts and upgrades keep the published ports and their connections: a UDP flow from a
# fixed source port carries on across both.
flow() { in_ns nb python3 "$SEM_PEERS" exchange $UP 5353 6100 0 0 >/dev/null; }
after_upgrade() {
	flow && tcp_via 8080 | grep -qx "connected: $NB" &&
		[ "$(ct_count sport 9999 dst $NB dport 6100)" = 1 ]
}
#@ after=add
test_restart_and_upgrade() {
	check "$T.flow_before_restart" flow
	# restarted here, not inside a check: a check's output is a pipe
	kill "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null; daemon_start --interval 1
	check "$T.flow_after_daemon_restart" flow
	check "$T.upgrade" eval "sl upgrade >/dev/null"
	check "$T.same_flow_and_new_ones_after_upgrade" after_upgrade
}

#@ after=add
test_del() {
	check "$T.del" sl nat publish del m0 proto tcp port 9000-9003
	check "$T.deleted_port_is_the_hosts" eval "! tcp_via 9001"
}
#@ after=add
test_nat_del_removes_its_ports() {
	sl nat del m0 && sl nat add m0 src $SUB out up0 ports 40000-49999 "${NAT_FP[@]}" && [ -z "$(sl nat publish show)" ]
}

. "$(dirname "$0")/runner.sh"
