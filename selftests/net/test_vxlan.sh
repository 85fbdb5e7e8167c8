#!/bin/bash
# VXLAN overlay ports: three "hosts" (namespaces, each with its own sluice instance and
# containers) on one underlay segment, one switch spread over them.
# modes: tc
. "$(dirname "$0")/lib.sh"

UNDER=192.168.77	# underlay: host N is $UNDER.N, the outside server $UNDER.100
OVER=10.50.0		# overlay subnet: host N's gateway .N, container cN .1N

# sluice of host N: its own instance, managing namespace $PFX-hN.
slh() { local n=$1; shift; "$SLUICE" --instance "$PFX-h$n" --netns "$PFX-h$n" "$@"; }

vx_cleanup() {
	for n in 1 2 3 4; do slh $n switch del sw0 >/dev/null 2>&1; done
	cleanup
}
trap vx_cleanup EXIT

# The underlay: a bridge in namespace "under"; host N's uplink "ul" carries $UNDER.N.
underlay_add() {
	ns_add under || return 1
	ip -n "$PFX-under" link add br0 type bridge && ip -n "$PFX-under" link set br0 up || return 1
	ns_add srv && ip -n "$PFX-under" link add u-srv type veth peer name eth0 netns "$PFX-srv" &&
		ip -n "$PFX-under" link set u-srv master br0 up &&
		ip -n "$PFX-srv" addr add "$UNDER.100/24" dev eth0 && ip -n "$PFX-srv" link set eth0 up
}

# host_add N: namespace hN on the underlay with a switch sw0 (gateway $OVER.N), a VXLAN
# port to the other hosts given as REMOTES, masquerade out of its uplink.
host_add() {
	local n=$1; shift
	local remotes=()
	for r in "$@"; do remotes+=(remote "$UNDER.$r"); done
	ns_add h$n || return 1
	ip -n "$PFX-under" link add u$n type veth peer name ul netns "$PFX-h$n" &&
		ip -n "$PFX-under" link set u$n master br0 up &&
		ip -n "$PFX-h$n" addr add "$UNDER.$n/24" dev ul && ip -n "$PFX-h$n" link set ul up &&
		in_ns h$n sysctl -qw net.ipv4.ip_forward=1 || return 1
	slh $n switch add sw0 addr "$OVER.$n/24" &&
		slh $n port add sw0 vx0 vxlan vni 100 dev ul "${remotes[@]}" &&
		slh $n nat add masq src "$OVER.0/24" out ul
}

# ctr_add NAME N ADDR [OPTIONS]: container NAME on host N.
ctr_add() {
	local name=$1 n=$2 addr=$3; shift 3
	ns_add "$name" && slh "$n" port add sw0 "p-$name" netns "$PFX-$name" addr "$addr" "$@"
}

underlay_add || exit 1
host_add 1 2 3 || exit 1
host_add 2 1 3 || exit 1
host_add 3 1 2 || exit 1
ctr_add c1 1 "$OVER.11/24" || exit 1
ctr_add c2 2 "$OVER.12/24" || exit 1
ctr_add c3 3 "$OVER.13/24" || exit 1

summary
