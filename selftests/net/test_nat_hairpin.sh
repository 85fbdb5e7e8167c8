#!/bin/bash
# Hairpin to a published port (issue #15 part 4): a container connecting to the uplink
# address : published port reaches the published container (another one on the switch, or
# itself), which sees the gateway address as the source (Docker's DNAT + MASQUERADE); the
# answer comes back from the uplink address. Both connections are in `nat ct`, the hairpin
# counter moves, and a neighbour outside still reaches the published port as before.
# modes: tc slowpath xdp
# (slowpath: the rule says `fastpath off`, the gateway host leg's guard translates;
#  xdp: c2's port and the uplink are XDP; XDP leaves frames for the host to the port's tc
#  program, where the hairpin is done)
. "$(dirname "$0")/nat_sem_lib.sh" tc

MODE=${1:-tc}
T=nat_hairpin.$MODE
FASTPATH=on; [ "$MODE" = slowpath ] && FASTPATH=off
C2_HOOK=() NAT_XDP=(); [ "$MODE" = xdp ] && C2_HOOK=(xdp native) NAT_XDP=(xdp native)

fixture() {
	in_ns host sysctl -qw net.ipv4.ip_forward=1 &&
	sl switch add sw0 addr $GW/24 &&
	container_add c1 sw0 $C1/24 gw $GW &&
	container_add c2 sw0 $C2/24 gw $GW "${C2_HOOK[@]}" &&
	ns_add nb &&
	ip -n "$HOST" link add up0 type veth peer name n0 netns "$NB_NS" &&
	ip -n "$HOST" addr add $UP/24 dev up0 && ip -n "$HOST" link set up0 up &&
	ip -n "$HOST" route add default via $NB &&
	ip -n "$NB_NS" addr add $NB/24 dev n0 && ip -n "$NB_NS" link set n0 up || return 1
	sl nat add m0 src $SUB out up0 fastpath $FASTPATH "${NAT_XDP[@]}" || return 1
	nat_sem_servers
	daemon_start --interval 1
}

stat() { sl_json "$1" nat stats; }
tcp_from() { in_ns "$1" python3 "$SEM_PEERS" tcp-probe $UP "$2" 2; }
udp_from() { in_ns "$1" python3 "$SEM_PEERS" udp-probe $UP "$2" 2; }

test_publish() {
	check "$T.publish_tcp" sl nat publish add m0 proto tcp port 8080 to $C1:7000
	check "$T.publish_udp" sl nat publish add m0 proto udp port 5353 to $C1:9999
	check "$T.publish_tcp_from_c1_only" \
		sl nat publish add m0 proto tcp port 8081 to $C1:7000 from $C1/32
}

# The server sees the gateway address; the client talks to the uplink address (the probe
# connects to it, and the UDP answer comes from it).
#@ after=publish
test_tcp_c2_to_c1() { tcp_from c2 8080 | grep -qx "connected: $GW"; }
#@ after=publish
test_tcp_c1_to_itself() { tcp_from c1 8080 | grep -qx "connected: $GW"; }
#@ after=publish
test_udp_c2_to_c1() { udp_from c2 5353 | grep -qx "answer from $UP: $GW probe"; }
#@ after=publish
test_udp_c1_to_itself() { udp_from c1 5353 | grep -qx "answer from $UP: $GW probe"; }
#@ after=publish
test_from_cidr_allows_c1() { tcp_from c1 8081 | grep -qx "connected: $GW"; }
#@ after=publish
test_from_cidr_refuses_c2() { ! tcp_from c2 8081; }
#@ after=publish
test_unpublished_port_refused() { ! tcp_from c2 8082; }

# What the probes above leave: counters and both connections of c2's hairpin.
#@ after=tcp_c2_to_c1,tcp_c1_to_itself,udp_c2_to_c1,udp_c1_to_itself,from_cidr_allows_c1,from_cidr_refuses_c2,unpublished_port_refused
test_hairpin_counted() { [ "$(stat .hairpin)" -ge 12 ]; }

# The published connection (c1's server -> c2, as uplink:8080) and c2's masquerade to the
# gateway address.
#@ after=tcp_c2_to_c1
test_ct_published_half() { sl nat ct show src $C1 sport 7000 dst $C2 | grep -q "$UP:8080"; }
#@ after=tcp_c2_to_c1
test_ct_masquerade_to_gateway() { sl nat ct show src $C2 dst $C1 dport 7000 | grep -q "$GW"; }
#@ after=tcp_c2_to_c1
test_ct_count() { [ "$(sl_json .count nat ct count src $C2 dst $C1)" -gt 0 ]; }

# Which path took it: the port's fast path, or (fastpath off) the host leg's guard.
#@ after=tcp_c2_to_c1,tcp_c1_to_itself,udp_c2_to_c1,udp_c1_to_itself,from_cidr_allows_c1,from_cidr_refuses_c2,unpublished_port_refused
test_fast_path() {
	if [ "$FASTPATH" = on ]; then
		check "$T.fast_path_took_it" eval '[ "$(stat .fastpath.out_packets)" -ge 12 ]'
	else
		check "$T.fast_path_left_it" eval \
			'[ "$(stat .fastpath.slow_out.fastpath_off)" -ge 6 ]'
		check "$T.fast_path_translated_none" eval '[ "$(stat .fastpath.out_packets)" = 0 ]'
	fi
}
#@ after=tcp_c2_to_c1,tcp_c1_to_itself,udp_c2_to_c1,udp_c1_to_itself,from_cidr_allows_c1,from_cidr_refuses_c2,unpublished_port_refused modes=xdp
test_xdp_passed_to_tc() { [ "$(stat .xdp.pass_out.not_forwarded)" -ge 3 ]; }

# Published ports from outside are unchanged: the neighbour is seen as itself.
#@ after=publish
test_neighbour_still_reaches_c1() { tcp_from nb 8080 | grep -qx "connected: $NB"; }
#@ after=tcp_c2_to_c1,tcp_c1_to_itself,udp_c2_to_c1,udp_c1_to_itself,from_cidr_allows_c1,from_cidr_refuses_c2,unpublished_port_refused
test_no_drops() { [ "$(sl_json '[.drops[]] | add // 0' nat stats)" = 0 ]; }

. "$(dirname "$0")/runner.sh"
