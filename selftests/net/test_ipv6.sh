#!/bin/bash
# Dual-stack switch: IPv6 addresses on ports and the gateway leg, reachability over IPv6
# (ping, TCP), duplicate/overlap refusals, and the IPv6 guard against forged neighbour,
# router and DHCPv6 messages and spoofed sources (counted by reason, neighbours unharmed).
# modes: tc xdp
NS_IPV6=1
. "$(dirname "$0")/lib.sh"

MODE=${1:-tc}
XDP=()
[ "$MODE" = xdp ] && XDP=(xdp native)
T=$MODE
N=5	# frames ipv6_guard.py sends of each kind
GUARD=$ROOT/selftests/net/ipv6_guard.py

mac() { in_ns "$1" cat /sys/class/net/eth0/address; }
fixture() {
	sl switch add sw0 addr 10.36.0.1/24 addr fd00:36::1/64 || return 1
	for i in 1 2 3; do
		container_add c$i sw0 10.36.0.1$i/24 addr fd00:36::1$i/64 "${XDP[@]}" || return 1
	done
	M1=$(mac c1) M2=$(mac c2) MGW=$(ip -n "$HOST" link show sw0 | awk '/ether/ {print $2}')
}

ping6_ok() { in_ns "$1" ping -6 -c 2 -i 0.2 -W 1 -q "$2" >/dev/null; }
test_dual_stack_containers_ping6_each_other_and_gateway() {
	for a in 1 2 3; do
		ping6_ok c$a fd00:36::1 || return 1
		for b in 1 2 3; do [ $a = $b ] || ping6_ok c$a fd00:36::1$b || return 1; done
	done
}
test_ipv4_still_reaches_gateway() { ping_ok c1 10.36.0.1; }
test_host_pings6_container() { in_ns host ping -6 -c 1 -W 1 fd00:36::13; }
test_container_default_route_via_gateway() {
	sh -c "ip -n $PFX-c1 -6 route show default | grep -q 'via fd00:36::1 dev eth0'"
}
test_port_show_addr6_and_gw6() {
	test "$(sl_json '.[] | select(.name=="p-c2") | "\(.addr6[0]) \(.gw6)"' port show)" = "fd00:36::12/64 fd00:36::1"
}
test_switch_show_addr6() { test "$(sl_json '.[0].addr6[0]' switch show sw0)" = "fd00:36::1/64"; }

http6() {
	printf 'HTTP/1.0 200 OK\r\n\r\nhello over ipv6\n' >"/tmp/$PFX-http6.resp"
	bg_ns c2 socat -T 5 TCP6-LISTEN:8036,bind=[fd00:36::12],reuseaddr \
		SYSTEM:"cat /tmp/$PFX-http6.resp"
	pause 0.5
	in_ns c1 curl -6 -s -m 5 "http://[fd00:36::12]:8036/" | grep -q "hello over ipv6"
}
test_curl6_tcp_between_containers() { http6; }
socat6() {
	bg_ns host socat -T 5 -u TCP6-LISTEN:8037,bind=[fd00:36::1],reuseaddr \
		OPEN:"/tmp/$PFX-socat6.out",creat
	pause 0.5
	head -c 200000 /dev/urandom >"/tmp/$PFX-socat6.in"
	in_ns c3 socat -T 5 -u OPEN:"/tmp/$PFX-socat6.in" TCP6:[fd00:36::1]:8037 || return 1
	pause 0.5
	cmp "/tmp/$PFX-socat6.in" "/tmp/$PFX-socat6.out"
}
test_socat6_200k_to_gateway() { socat6; }

# Bad input: refused with a message naming the wrong thing, nothing made.
test_bad_input() {
	ns_add dup || return 1
	fails "$T.duplicate_ipv6_refused" "fd00:36::12 is already port p-c2's" \
		sl port add sw0 p-dup netns "$PFX-dup" addr fd00:36::12/64
	check "$T.duplicate_left_nothing" sh -c "! ip -n $HOST link show p-dup 2>/dev/null && \
		! ip -n $PFX-dup link show eth0 2>/dev/null"
	fails "$T.bad_ipv6_cidr_refused" 'addr "fd00::5/129" is not an IPv6' \
		sl port add sw0 p-dup netns "$PFX-dup" addr fd00::5/129
	fails "$T.gw6_without_ipv6_addr_refused" "gw6: the port needs an IPv6" \
		sl port add sw0 p-dup netns "$PFX-dup" addr 10.36.0.50/24 gw6 fd00:36::1
	fails "$T.overlapping_gateway_prefix_refused" "overlaps gateway sw0-gw's fd00:36::1/64" \
		sl vlan add sw0 36 addr 10.36.36.1/24 addr fd00:36:0:0::100/64
}
test_vlan_gateway_takes_ipv6() { sl vlan add sw0 36 addr 10.36.36.1/24 addr fd00:3636::1/64; }

# Forged frames from c1 (ipv6_guard.py), counted per reason on the sender's port.
drops() { sl_json ".[] | select(.port==\"p-${2:-c1}\") | .drops.$1" stats; }
# sent_dropped_from C REASON KIND ARGS...: C sends N frames of KIND, its REASON counter moves by N.
sent_dropped_from() {
	local c=$1 reason=$2 before; shift 2
	before=$(drops "$reason" "$c")
	in_ns "$c" /usr/bin/python3 "$GUARD" "$@" 2>&1 || return 1
	pause 0.3
	test "$(drops "$reason" "$c")" = $((before + N)) ||
		{ echo "$reason: $before -> $(drops "$reason" "$c")"; return 1; }
}
sent_dropped() { sent_dropped_from c1 "$@"; }
neigh_mac() { ip -n "$1" -6 neigh show "$2" | awk '{for (i=1;i<NF;i++) if ($i=="lladdr") print $(i+1)}'; }

na_poison_host() {
	sent_dropped nd_spoofed na "$M1" fd00:36::12 &&
		test "$(neigh_mac "$HOST" fd00:36::12)" = "$M2"
}
na_poison_gw() {
	sent_dropped nd_spoofed na "$M1" fd00:36::1 &&
		test "$(neigh_mac "$PFX-c2" fd00:36::1)" = "$MGW"
}
ra_guarded() {
	sent_dropped ra_guard ra "$M1" 2001:db8:bad:: || return 1
	pause 0.5
	! ip -n "$PFX-c2" -6 addr show | grep -q 2001:db8:bad: &&
		! ip -n "$PFX-c2" -6 route show default | grep -q "fe80::"
}
# Each forgery once, in turn: the caches they aim at are warmed first.
test_forgeries() {
	ping6_ok host fd00:36::12 && ping6_ok c2 fd00:36::1
	check "$T.forged_na_for_neighbour_dropped_host_cache_intact" na_poison_host
	check "$T.forged_na_for_gateway_dropped_container_cache_intact" na_poison_gw
	check "$T.na_with_foreign_lladdr_dropped" sent_dropped nd_spoofed na_other_mac "$M1" "$M2,fd00:36::11"
	check "$T.dad_probe_for_neighbour_address_dropped" sent_dropped nd_spoofed dad "$M1" fd00:36::12
	check "$T.spoofed_ipv6_source_dropped" sent_dropped spoofed_ip6 src "$M1" fd00:36::12
	check "$T.unknown_ipv6_source_dropped" sent_dropped spoofed_ip6 src "$M1" fd00:36::99
	check "$T.dhcp6_server_reply_dropped" sent_dropped dhcp6_server dhcp6 "$M1"
	check "$T.rogue_ra_dropped_no_prefix_no_route" ra_guarded
	ping6_ok c1 fd00:36::12	# c1's own traffic still flows after its forgeries
}

# A trusted port is a router: its RA (router lifetime 0: no default route) gets through.
test_trusted_port_ra_reaches_neighbours() {
	sl port set p-c3 trusted on || return 1
	in_ns c3 /usr/bin/python3 "$GUARD" ra_lifetime0 "$(mac c3)" 2001:db8:900d:: || return 1
	for _ in $(seq 30); do
		ip -n "$PFX-c2" -6 addr show | grep -q 2001:db8:900d: && return 0
		pause 0.1
	done
	return 1
}
#@ after=trusted_port_ra_reaches_neighbours
test_port_show_trusted() { test "$(sl_json '.[] | select(.name=="p-c3") | .trusted' port show)" = true; }

# port set replaces a live port's IPv6 addresses, in the container and in the guard.
readdr() {
	sl port set p-c2 addr fd00:36::22/64 || return 1
	ip -n "$PFX-c2" -6 addr show dev eth0 | grep -q "fd00:36::22/64" &&
		! ip -n "$PFX-c2" -6 addr show dev eth0 | grep -q "fd00:36::12/" &&
		test "$(sl_json '.[] | select(.name=="p-c2") | .addr6 | join(",")' port show)" = \
			"fd00:36::22/64" &&
		ping6_ok c1 fd00:36::22 && ping6_ok c2 fd00:36::1
}
test_readdr() {
	check "$T.port_set_replaces_ipv6_addresses" readdr
	fails "$T.port_set_taken_ipv6_refused" "fd00:36::11 is already port p-c1's" \
		sl port set p-c2 addr fd00:36::11/64
	check "$T.port_set_old_address_now_spoofed" sent_dropped_from c2 spoofed_ip6 src "$M2" fd00:36::12
}

# A container's macvlan endpoint (tc only) gets its IPv6 address and the same guard, which
# runs on the endpoint's own egress hook there.
macvlan_lan() {
	ns_add lan && ns_add mv &&
		ip -n "$HOST" link add lan0 type veth peer name lan0p netns "$PFX-lan" &&
		ip -n "$HOST" link set lan0 up && ip -n "$PFX-lan" link set lan0p up &&
		ip -n "$PFX-lan" addr add fd00:50::2/64 dev lan0p nodad
}
#@ modes=tc
test_macvlan() {
	macvlan_lan || return 1
	check "$T.macvlan_endpoint_takes_ipv6" \
		sl port add sw0 p-mv macvlan parent lan0 netns "$PFX-mv" addr fd00:50::11/64
	check "$T.macvlan_endpoint_ping6_from_its_lan" ping6_ok lan fd00:50::11
	check "$T.macvlan_endpoint_spoofed_ipv6_dropped" \
		sent_dropped_from mv spoofed_ip6 src "$(mac mv)" fd00:50::99
	check "$T.macvlan_endpoint_rogue_ra_dropped" \
		sent_dropped_from mv ra_guard ra "$(mac mv)" 2001:db8:bad::
}

# A removed port's addresses are free again.
test_deleted_port_frees_its_ipv6() {
	sl port del p-c3 && sl port add sw0 p-c3b netns "$PFX-c3" ifname eth1 \
		addr 10.36.0.23/24 addr fd00:36::13/64 "${XDP[@]}" &&
		ping6_ok c3 fd00:36::11 && ping6_ok c1 fd00:36::13	# c3's NS tells c1 its new MAC
}
#@ after=readdr
test_all_pairs_ping6_after_forgeries() {
	sh -c "$(declare -f ping6_ok in_ns); PFX=$PFX; ping6_ok c1 fd00:36::22 && ping6_ok c2 fd00:36::1 && ping6_ok c2 fd00:36::11"
}
. "$(dirname "$0")/runner.sh"
