#!/bin/bash
# Several IPv4 addresses on one container port (issue #13 item 11): the container gets each,
# anti-spoofing passes each and drops any other, one owner per address, port set replaces.
# modes: tc xdp
. "$(dirname "$0")/lib.sh"

MODE=${1:-tc}
XDP=()
[ "$MODE" = xdp ] && XDP=(xdp native)
T=multi_$MODE
spoofed() { sl_json '.[0].drops.spoofed_ip // 0' stats p-c1; }
from() { in_ns c1 ping -c 2 -i 0.2 -W 1 -q -I "$1" "$2" >/dev/null; }

fixture() {
	sl switch add sw0 addr 10.61.0.1/24 &&
	container_add c1 sw0 10.61.0.11/24 addr 10.61.0.12/24 addr 10.61.0.13/24 "${XDP[@]}" &&
	container_add c2 sw0 10.61.0.21/24 "${XDP[@]}"
}

has_addrs() { for a in "$@"; do in_ns c1 ip -4 -o addr show dev eth0 | grep -q " $a/24 " || return 1; done; }
test_container_got_every_address() { has_addrs 10.61.0.11 10.61.0.12 10.61.0.13; }
test_show_keeps_ip_first() { test "$(sl_json '.[0].ip' port show p-c1)" = 10.61.0.11; }
test_show_lists_addrs() { test "$(sl_json '.[0].addrs | join(",")' port show p-c1)" = 10.61.0.11/24,10.61.0.12/24,10.61.0.13/24; }
test_one_address_port_lists_none() { test "$(sl_json '.[0] | has("addrs")' port show p-c2)" = false; }
test_ping_from_first() { from 10.61.0.11 10.61.0.21; }
test_ping_from_second() { from 10.61.0.12 10.61.0.21; }
test_ping_from_third_to_gateway() { from 10.61.0.13 10.61.0.1; }

# Entries of sl_port4 with any non-zero byte in their value.
slot4_zero() {
	bpftool -j map dump pinned "/sys/fs/bpf/sluice/$PFX/sl_port4" |
		jq '[.[] | select(any(.value[]; ltrimstr("0x") | test("[1-9a-f]")))] | length'
}

# An address the port was not given stays spoofed, and is counted.
test_unlisted_source_dropped_and_counted() {
	local d0=$(spoofed) rc
	in_ns c1 ip addr add 10.61.0.99/24 dev eth0 || return 1
	! from 10.61.0.99 10.61.0.21; rc=$?
	in_ns c1 ip addr del 10.61.0.99/24 dev eth0
	[ $rc = 0 ] && [ "$(spoofed)" -ge $((d0 + 2)) ]
}

# One owner per address, each of a port's several: as first address, as extra, on set.
test_refusals() {
	ns_add c3 || return 1
	fails "$T.extra_addr_taken_refused" "address 10.61.0.13 is port p-c1's on switch sw0" \
		sl port add sw0 p-c3 netns "$PFX-c3" addr 10.61.0.31/24 addr 10.61.0.13/24
	fails "$T.gateway_as_extra_refused" "address 10.61.0.1 is the gateway's own" \
		sl port add sw0 p-c3 netns "$PFX-c3" addr 10.61.0.31/24 addr 10.61.0.1/24
	fails "$T.repeat_refused" "addr 10.61.0.31 is given twice" \
		sl port add sw0 p-c3 netns "$PFX-c3" addr 10.61.0.31/24 addr 10.61.0.31/24
	NINE=(); for i in $(seq 41 49); do NINE+=(addr 10.61.0.$i/24); done
	fails "$T.nine_refused" "at most 8 IPv4 addresses" sl port add sw0 p-c3 netns "$PFX-c3" "${NINE[@]}"
	fails "$T.set_taken_refused" "address 10.61.0.12 is port p-c1's" \
		sl port set p-c2 addr 10.61.0.21/24 addr 10.61.0.12/24
	check "$T.refusals_left_nothing" test "$(ip -n "$PFX-c3" -o link show | wc -l)" = 1
}

# port set replaces the set: the dropped address is spoofed now, a new one passes.
replaced() {
	local d0
	sl port set p-c1 addr 10.61.0.11/24 addr 10.61.0.14/24 || return 1
	in_ns c1 ip addr add 10.61.0.14/24 dev eth0 || return 1
	[ "$(sl_json '.[0].addrs | join(",")' port show p-c1)" = 10.61.0.11/24,10.61.0.14/24 ] &&
	from 10.61.0.14 10.61.0.21 || return 1
	d0=$(spoofed)
	! from 10.61.0.12 10.61.0.21 && [ "$(spoofed)" -ge $((d0 + 2)) ]
}
# The set replaced, shrunk, the port deleted: each step's check in turn (c3 from refusals).
#@ after=refusals
test_set_and_del() {
	check "$T.set_replaces_the_set" replaced
	check "$T.freed_address_reusable" sl port add sw0 p-c3 netns "$PFX-c3" addr 10.61.0.12/24 "${XDP[@]}"
	check "$T.set_back_to_one_address" sl port set p-c1 addr 10.61.0.11/24
	check "$T.one_address_again_lists_none" test "$(sl_json '.[0] | has("addrs")' port show p-c1)" = false
	check "$T.extra_spoofed_after_set_to_one" eval '! from 10.61.0.14 10.61.0.21'

	# Removing the port frees its slot's extra addresses: the next port there has only its own.
	check "$T.set_two_again" sl port set p-c1 addr 10.61.0.11/24 addr 10.61.0.14/24
	check "$T.port_del" sl port del p-c1
	check "$T.port_del_cleans_sl_port4" test "$(slot4_zero)" = 0
}
#@ after=set_and_del
test_reuse_and_save() {
	check "$T.deleted_port_extra_reusable" sl port set p-c3 addr 10.61.0.12/24 addr 10.61.0.14/24
	check "$T.save_keeps_every_address" eval \
		'sl save | grep -q "^port add sw0 p-c3 netns $PFX-c3 addr 10.61.0.12/24 addr 10.61.0.14/24 "'
}

# A macvlan endpoint takes several addresses too (tc only: endpoints have no XDP).
ep_spoofed() { sl_json '.[0].drops.spoofed_ip // 0' stats p-m1; }
ep_from() { in_ns m1 ping -c 2 -i 0.2 -W 1 -q -I "$1" 192.168.70.2 >/dev/null; }
ep_unlisted() {
	local d0=$(ep_spoofed) rc
	in_ns m1 ip addr add 192.168.70.99/24 dev eth0 || return 1
	! ep_from 192.168.70.99; rc=$?
	in_ns m1 ip addr del 192.168.70.99/24 dev eth0
	[ $rc = 0 ] && [ "$(ep_spoofed)" -ge $((d0 + 2)) ]
}
#@ modes=tc
test_endpoint() {
	ns_add lan && ns_add m1 &&
	ip -n "$HOST" link add lan0 type veth peer name eth0 netns "$PFX-lan" &&
	ip -n "$HOST" link set lan0 up &&
	ip -n "$PFX-lan" addr add 192.168.70.2/24 dev eth0 && ip -n "$PFX-lan" link set eth0 up &&
	sl port add sw0 p-m1 macvlan parent lan0 netns "$PFX-m1" addr 192.168.70.11/24 \
		addr 192.168.70.12/24 || echo "FAIL $T.endpoint_added"
	check "$T.endpoint_ping_from_second" ep_from 192.168.70.12
	check "$T.endpoint_unlisted_dropped_and_counted" ep_unlisted
}
. "$(dirname "$0")/runner.sh"
