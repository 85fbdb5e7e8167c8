#!/bin/bash
# Instance identity (issue #13 items 3, 8, 13): an instance serves only the network namespace
# it was made in, its pin directories are root's own, and one daemon runs per instance.
# modes: tc
. "$(dirname "$0")/lib.sh"

T=identity
OTHER=$PFX-other
LONG=$PFX-a-network-namespace-whose-name-is-longer-than-48-chars
fixture() { sl switch add sw0 addr 10.36.0.1/24 && container_add c1 sw0 10.36.0.11/24 && ns_add other; }
# sluice on this test's instance from the wrong namespace.
sl_wrong() { "$SLUICE" --instance "$PFX" --netns "$OTHER" "$@"; }
ports() { sl_json '[.[].name] | sort | join(" ")' port show; }
# A daemon started right but outliving a wrong one keeps every port.
wrong_daemon_keeps_ports() {
	sl_wrong daemon --interval 1 2>/dev/null & local pid=$!
	pause 2.5
	kill $pid 2>/dev/null; wait $pid 2>/dev/null
	[ "$(ports)" = "p-c1 sw0-gw" ] && ip -n "$HOST" link show p-c1 >/dev/null
}

# Item 3: every command and the daemon from another netns is refused, nothing changes.
test_wrong_netns() {
	local before
	before=$(snapshot)
	fails "$T.wrong_netns_show" "manages another network namespace \(--netns $PFX-host" sl_wrong port show
	fails "$T.wrong_netns_switch_del" "manages another network namespace" sl_wrong switch del sw0
	fails "$T.wrong_netns_port_del" "manages another network namespace" sl_wrong port del p-c1
	fails "$T.wrong_netns_daemon" "manages another network namespace" sl_wrong daemon --interval 1
	check "$T.wrong_netns_changed_nothing" test "$before" = "$(snapshot)"
	check "$T.wrong_netns_daemon_removes_nothing" wrong_daemon_keeps_ports
	# Without --netns the caller's own netns is the one compared (here the test's root netns).
	fails "$T.caller_netns_compared" "manages another network namespace" \
		"$SLUICE" --instance "$PFX" port show
}

# Item 13: a second daemon on the same instance refuses; after the first exits, one starts.
test_second_daemon_refused() {
	daemon_start --interval 1
	pause 1
	local out rc
	out=$(timeout 5 "$SLUICE" --instance "$PFX" --netns "$HOST" daemon --interval 1 2>&1); rc=$?
	echo "second: rc $rc: $out"
	kill "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null
	[ "$rc" = 1 ] && echo "$out" | grep -q "a daemon already runs for instance $PFX" || return 1
	out=$(timeout 2 "$SLUICE" --instance "$PFX" --netns "$HOST" daemon --interval 1 2>&1); rc=$?
	echo "after: rc $rc: $out"
	[ "$rc" = 124 ]		# ran until the timeout stopped it
}

# Item 8: in a private mount namespace with its own bpffs, a /sys/fs/bpf/sluice made first
# by another user is refused; one of root's with a lax mode is repaired to 0700.
private_bpffs() {
	unshare -m --propagation private bash -c 'mount -t bpf bpf /sys/fs/bpf && exec "$@"' bash "$@"
}
foreign_dir() {
	mkdir /sys/fs/bpf/sluice && chown 65534:65534 /sys/fs/bpf/sluice &&
		"$SLUICE" --instance "$PFX-priv" --netns "$HOST" switch add swx
}
export -f foreign_dir; export SLUICE PFX HOST
test_foreign_pin_dir_refused() {
	fails "$T.foreign_pin_dir_refused" "/sys/fs/bpf/sluice belongs to uid 65534, not to uid 0" \
		private_bpffs bash -c foreign_dir
}
lax_dir() {
	mkdir /sys/fs/bpf/sluice && chmod 1777 /sys/fs/bpf/sluice &&
		"$SLUICE" --instance "$PFX-priv" --netns "$HOST" switch add swx &&
		stat -c %a /sys/fs/bpf/sluice /sys/fs/bpf/sluice/"$PFX-priv" &&
		"$SLUICE" --instance "$PFX-priv" --netns "$HOST" switch del swx
}
export -f lax_dir
test_lax_pin_dir_repaired() {
	local out
	out=$(private_bpffs bash -c lax_dir) || return 1
	echo "modes: $out"
	[ "$(echo $out)" = "700 700" ]
}

# Item 2: a macvlan endpoint lives as long as its namespace and device, whatever path named
# the namespace: the process whose /proc path was given exits, the netns lives on (its
# /run/netns name holds it), the daemon keeps the port; the netns gone, the daemon reaps.
endpoints_kept() {
	local ports
	ports=$(sl_json '[.[] | select(.name == "web" or .name == "lng") | "\(.name)/\(.vlan)"] | sort | join(" ")' port show)
	echo "ports: $ports"
	[ "$ports" = "lng/20 web/20" ] && ip -n "$PFX-m1" link show eth0 >/dev/null &&
		ip -n "$LONG" link show eth0 >/dev/null
}
show_netns() { sl_json '.[0].netns' port show "$1"; }
web_reaped() {
	for _ in $(seq 40); do
		sl port show web >/dev/null 2>&1 || return 0
		sleep 0.25
	done
	return 1
}
test_endpoints() {
	ns_add lan && ns_add m1 || return 1
	ns_add a-network-namespace-whose-name-is-longer-than-48-chars || return 1
	ip -n "$HOST" link add lan0 type veth peer name eth0 netns "$PFX-lan" &&
		ip -n "$HOST" link set lan0 up && ip -n "$PFX-lan" link set eth0 up || return 1
	bg_ns m1 sleep 300; HOLDER=$BG_PID
	sleep 0.3
	check "$T.endpoint_by_proc_path" sl port add sw0 web macvlan parent lan0 netns /proc/$HOLDER/ns/net \
		addr 10.36.1.5/24 vlan 20
	check "$T.endpoint_long_netns_name" sl port add sw0 lng macvlan parent lan0 netns "$LONG" \
		addr 10.36.1.6/24 vlan 20
	kill $HOLDER; wait $HOLDER 2>/dev/null
	daemon_start --interval 1
	pause 2.5
	check "$T.daemon_keeps_endpoint_whose_path_went" endpoints_kept
	check "$T.show_gives_full_netns" test "$(show_netns lng)" = "$LONG"
	ip netns del "$PFX-m1"
	check "$T.daemon_reaps_endpoint_whose_netns_went" web_reaped
	kill "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null
}

# Item 6: a veth port in a netns of a long name: port set reaches its container end, or fails.
peer_gro() { in_ns a-network-namespace-whose-name-is-longer-than-48-chars ethtool -k eth1 | grep -q "generic-receive-offload: on"; }
xdp_applied() {
	sl port set p-long xdp generic || return 1
	sl -j port show p-long | grep -q '"hook":"xdp generic"' && peer_gro
}
#@ after=endpoints
test_veth_long_netns() {
	check "$T.veth_long_netns" sl port add sw0 p-long netns "$LONG" ifname eth1 addr 10.36.0.21/24
	check "$T.port_set_long_netns_applies" xdp_applied
	check "$T.port_del_long_netns" sl port del p-long
}

. "$(dirname "$0")/runner.sh"
