#!/bin/bash
# XDP offload on netdevsim (test VM only): the filter offloaded and visible, its maps following
# `port set`, the port's counters, replace and remove, refusals by the device with its reason
# and the fallback of `xdp auto`, two netdevsim ports of one switch in native mode.
. "$(dirname "$0")/lib.sh"

sl switch add sw0 || exit 1
nsim_add 2 || { echo "FAIL nsim.setup: cannot create a netdevsim device"; exit 1; }
P0=${NSIM_IFS[0]} P1=${NSIM_IFS[1]}
OFFDIR=/sys/fs/bpf/sluice/$PFX/offload

port_field() { jfield ".[0].$2 // empty" sl -j port show "$1"; }
offloaded_id() { cat "$NSIM_DBG/ports/$1/bpf_offloaded_id"; }

offload_visible() {
	sl port add sw0 "$P0" dev xdp offload || return 1
	local id ifx
	id=$(port_field "$P0" offload_prog)
	ifx=$(port_field "$P0" ifindex)
	echo "port show: $(sl port show "$P0"); ip link: $(xdp_ids "$P0"); debugfs id $(offloaded_id 0)"
	[ "$(port_field "$P0" hook)" = "xdp offload" ] && [ "$id" -gt 0 ] || return 1
	xdp_ids "$P0" | grep -q "hw=$id " || return 1
	xdp_ids "$P0" | grep -q "^drv=" || return 1	# forwarding stays native, next to it
	[ "$(offloaded_id 0)" = "$id" ] && [ "$(bound_prog_ids)" = "$id" ] || return 1
	grep -qx xlated "$NSIM_DBG"/bpf_bound_progs/*/state &&
		grep -qx Y "$NSIM_DBG"/bpf_bound_progs/*/loaded || return 1
	# Its maps live on the device too.
	bpftool map show pinned "$OFFDIR/${ifx}_port" | tee /dev/stderr | grep -q offload
}
check nsim.offload_accepted_and_visible offload_visible

# The port as the device's map holds it: "pvid mode spoofchk vids[0]" (struct sl_port layout).
offloaded_port() {
	local v
	mapfile -t v < <(bpftool -j map dump pinned "$OFFDIR/$(port_field "$P0" ifindex)_port" |
		jq -r '.[] | select(.key == ["0x00", "0x00", "0x00", "0x00"]) | .value[]')
	# vids[] starts at byte 104 (after slot, parent, ep_ifindex, name, netns)
	[ ${#v[@]} -ge 112 ] || return 1
	echo "$((v[8] + (v[9] << 8))) $((v[10])) $((v[12] & 4))" \
		"$((v[104] + (v[105] << 8) + (v[106] << 16) + (v[107] << 24)))"
}
map_follows_port_set() {
	local got
	sl port set "$P0" spoofchk on trunk 10,30 native 10 || return 1
	got=$(offloaded_port); echo "trunk: $got"
	[ "$got" = "10 1 4 $(((1 << 10) | (1 << 30)))" ] || return 1
	sl port set "$P0" spoofchk off vlan 1 || return 1
	got=$(offloaded_port); echo "access: $got"
	[ "$got" = "1 0 0 0" ]
}
check nsim.offloaded_map_follows_port_set map_follows_port_set

# netdevsim transmits (and counts) what the switch floods to it; it never runs the
# offloaded filter, so the device's counters of the filter stay at zero but readable.
tx_of() { jfield '.[0].stats64.tx.packets' ip -n "$HOST" -s -j link show dev "$1"; }
port_counters() {
	local dev0 sl0 off
	dev0=$(tx_of "$P0")
	sl0=$(jfield '.[0].tx_packets' sl -j stats "$P0")
	in_ns c1 ping -c 2 -i 0.2 -W 1 10.20.0.99 >/dev/null 2>&1	# ARP: flooded
	echo "stats: $(sl stats "$P0"); device tx $dev0 -> $(tx_of "$P0")"
	[ "$(jfield '.[0].tx_packets' sl -j stats "$P0")" -gt "$sl0" ] || return 1
	[ "$(tx_of "$P0")" -gt "$dev0" ] || return 1
	off=$(jfield '.[0].offload | "\(.rx_packets) \([.drops[]] | add)"' sl -j stats "$P0")
	[ "$off" = "0 0" ]
}
container_add c1 sw0 10.20.0.11/24 || exit 1
check nsim.port_counters_count_floods_to_offloaded_port port_counters

replace_offload() {
	local old new
	old=$(offloaded_id 0)
	sl port set "$P0" xdp offload || return 1
	new=$(offloaded_id 0)
	echo "offloaded id $old -> $new; bound: $(bound_prog_ids | tr '\n' ' '); ip link: $(xdp_ids "$P0")"
	[ "$new" -gt 0 ] && [ "$new" != "$old" ] && [ "$(bound_prog_ids)" = "$new" ] || return 1
	[ "$(port_field "$P0" offload_prog)" = "$new" ] && xdp_ids "$P0" | grep -q "hw=$new "
}
check nsim.replace_offloaded_program replace_offload

remove_offload() {
	sl port set "$P0" xdp off || return 1
	echo "ip link: $(xdp_ids "$P0"); bound: $(bound_prog_ids); pins: $(ls "$OFFDIR" 2>&1)"
	[ -z "$(xdp_ids "$P0")" ] && [ "$(offloaded_id 0)" = 0 ] && [ -z "$(bound_prog_ids)" ] &&
		[ ! -e "$OFFDIR" ] && [ "$(port_field "$P0" hook)" = tc ] || return 1
	ping_ok c1 10.20.0.11	# the switch still works (tc hook)
}
check nsim.remove_offloaded_program remove_offload

# A refused port add leaves neither port nor hook nor program behind.
nothing_left() {
	! sl port show "$1" >/dev/null 2>&1 && [ -z "$(xdp_ids "$1")" ] &&
		[ -z "$(tc_filters "$1")" ] && [ -z "$(bound_prog_ids)" ]
}
auto_falls_back() {
	local out
	out=$(sl port add sw0 "$1" dev xdp auto 2>/dev/null) || return 1
	echo "stdout: $out; ip link: $(xdp_ids "$1")"
	[ "$out" = "port $1: xdp native" ] && [ "$(port_field "$1" hook)" = "xdp native" ] &&
		xdp_ids "$1" | grep -qx "drv=[0-9]* "
}
# refused NAME PATTERN KNOB: with KNOB at N, offload fails with PATTERN; auto goes native.
refused() {
	nsim_knob "$3" N
	fails "nsim.refused_$1" "$2" sl port add sw0 "$P1" dev xdp offload
	check "nsim.refused_$1_leaves_nothing" nothing_left "$P1"
	check "nsim.auto_falls_back_to_native_$1" auto_falls_back "$P1"
	nsim_knob "$3" Y
	sl port del "$P1"
}
refused bind "port $P1: xdp offload: the device refused to bind the program: Operation not supported" \
	bpf_bind_accept
refused verifier "port $P1: xdp offload: the program failed the device's verifier: .*\[netdevsim\]" \
	bpf_bind_verifier_accept
refused map "port $P1: xdp offload: the device refused map sl_off_port: Operation not supported" \
	ports/1/bpf_map_accept
refused attach "port $P1: attach the offloaded XDP program: .*XDP offload disabled in DebugFS" \
	ports/1/bpf_xdpoffload_accept

# Two netdevsim ports of one switch, native XDP on both: floods reach both.
two_native_ports() {
	local t0 t1
	sl port set "$P0" xdp native && sl port add sw0 "$P1" dev xdp native || return 1
	t0=$(tx_of "$P0") t1=$(tx_of "$P1")
	in_ns c1 ping -c 2 -i 0.2 -W 1 10.20.0.98 >/dev/null 2>&1
	echo "ip link: $(xdp_ids "$P0") / $(xdp_ids "$P1"); tx $t0 -> $(tx_of "$P0"), $t1 -> $(tx_of "$P1")"
	xdp_ids "$P0" | grep -qx "drv=[0-9]* " && xdp_ids "$P1" | grep -qx "drv=[0-9]* " || return 1
	[ "$(tx_of "$P0")" -gt "$t0" ] && [ "$(tx_of "$P1")" -gt "$t1" ] || return 1
	[ "$(jfield '[.[] | select(.hook == "xdp native")] | length' sl -j port show)" = 2 ]
}
check nsim.two_netdevsim_ports_native two_native_ports

# Port del takes every hook off the device: native link, tc (clsact on 6.1), offload.
port_del_detaches() {
	sl port del "$P1" || return 1
	sl port set "$P0" xdp off && sl port set "$P0" xdp offload || return 1
	sl port del "$P0" || return 1
	echo "ip link: $(xdp_ids "$P0") / $(xdp_ids "$P1"); tc: $(tc_filters "$P0") $(tc_filters "$P1")"
	nothing_left "$P0" && nothing_left "$P1" && [ "$(offloaded_id 0)" = 0 ] &&
		[ ! -e "$OFFDIR" ] &&
		[ -z "$(ls "/sys/fs/bpf/sluice/$PFX/links" | grep -v "^$(port_field p-c1 ifindex)_")" ]
}
check nsim.port_del_removes_every_hook port_del_detaches

switch_del_detaches() {
	sl port add sw0 "$P1" dev xdp offload || return 1
	sl switch del sw0 || return 1
	echo "ip link: $(xdp_ids "$P1"); bound: $(bound_prog_ids); pins: $(ls /sys/fs/bpf/sluice 2>&1)"
	[ -z "$(xdp_ids "$P1")" ] && [ -z "$(tc_filters "$P1")" ] && [ -z "$(bound_prog_ids)" ] &&
		[ ! -e "/sys/fs/bpf/sluice/$PFX" ]
}
check nsim.switch_del_removes_offloaded_port switch_del_detaches

summary
