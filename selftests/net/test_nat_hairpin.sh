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

topology() {
	in_ns host sysctl -qw net.ipv4.ip_forward=1 &&
	sl switch add sw0 addr $GW/24 &&
	container_add c1 sw0 $C1/24 gw $GW &&
	container_add c2 sw0 $C2/24 gw $GW "${C2_HOOK[@]}" &&
	ns_add nb &&
	ip -n "$HOST" link add up0 type veth peer name n0 netns "$NB_NS" &&
	ip -n "$HOST" addr add $UP/24 dev up0 && ip -n "$HOST" link set up0 up &&
	ip -n "$HOST" route add default via $NB &&
	ip -n "$NB_NS" addr add $NB/24 dev n0 && ip -n "$NB_NS" link set n0 up
}
topology || { echo "FAIL $T.topology"; exit 1; }
sl nat add m0 src $SUB out up0 fastpath $FASTPATH "${NAT_XDP[@]}" || { echo "FAIL $T.nat_add"; exit 1; }
nat_sem_servers
daemon_start --interval 1

check "$T.publish_tcp" sl nat publish add m0 proto tcp port 8080 to $C1:7000
check "$T.publish_udp" sl nat publish add m0 proto udp port 5353 to $C1:9999
check "$T.publish_tcp_from_c1_only" sl nat publish add m0 proto tcp port 8081 to $C1:7000 from $C1/32

stat() { jq_sl "d$1" nat stats; }
tcp_from() { in_ns "$1" python3 "$SEM_PEERS" tcp-probe $UP "$2" 2; }
udp_from() { in_ns "$1" python3 "$SEM_PEERS" udp-probe $UP "$2" 2; }

# The server sees the gateway address; the client talks to the uplink address (the probe
# connects to it, and the UDP answer comes from it).
check "$T.tcp_c2_to_c1" eval "tcp_from c2 8080 | grep -qx 'connected: $GW'"
check "$T.tcp_c1_to_itself" eval "tcp_from c1 8080 | grep -qx 'connected: $GW'"
check "$T.udp_c2_to_c1" eval "udp_from c2 5353 | grep -qx 'answer from $UP: $GW probe'"
check "$T.udp_c1_to_itself" eval "udp_from c1 5353 | grep -qx 'answer from $UP: $GW probe'"
check "$T.from_cidr_allows_c1" eval "tcp_from c1 8081 | grep -qx 'connected: $GW'"
check "$T.from_cidr_refuses_c2" eval "! tcp_from c2 8081"
check "$T.unpublished_port_refused" eval "! tcp_from c2 8082"
check "$T.hairpin_counted" eval "[ \"\$(stat \"['hairpin']\")\" -ge 12 ]"

# Both connections of c2's hairpin: the published one (c1's server -> c2, as uplink:8080)
# and c2's masquerade to the gateway address.
check "$T.ct_published_half" eval \
	"sl nat ct show src $C1 sport 7000 dst $C2 | grep -q '$UP:8080'"
check "$T.ct_masquerade_to_gateway" eval \
	"sl nat ct show src $C2 dst $C1 dport 7000 | grep -q '$GW'"
check "$T.ct_count" eval "[ \"\$(sl -j nat ct count src $C2 dst $C1)\" != '{\"count\":0}' ]"

# Which path took it: the port's fast path, or (fastpath off) the host leg's guard.
if [ "$FASTPATH" = on ]; then
	check "$T.fast_path_took_it" eval "[ \"\$(stat \"['fastpath']['out_packets']\")\" -ge 12 ]"
else
	check "$T.fast_path_left_it" eval \
		"[ \"\$(stat \"['fastpath']['slow_out']['fastpath_off']\")\" -ge 6 ]"
	check "$T.fast_path_translated_none" eval "[ \"\$(stat \"['fastpath']['out_packets']\")\" = 0 ]"
fi
if [ "$MODE" = xdp ]; then
	check "$T.xdp_passed_to_tc" eval \
		"[ \"\$(stat \"['xdp']['pass_out']['not_forwarded']\")\" -ge 3 ]"
fi

# Published ports from outside are unchanged: the neighbour is seen as itself.
check "$T.neighbour_still_reaches_c1" eval "tcp_from nb 8080 | grep -qx 'connected: $NB'"
check "$T.no_drops" eval "[ \"\$(jq_sl 'sum(d[\"drops\"].values())' nat stats)\" = 0 ]"
summary
