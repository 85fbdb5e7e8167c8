#!/bin/bash
# Persistence: `sluice save` writes the configuration as commands, a reboot is simulated
# (pins, devices and namespaces gone, the machine's own devices back), `sluice -batch`
# restores it, traffic flows and the configuration reads back identical; a batch that fails
# names its line and leaves nothing half applied.
# modes: tc
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cni_lib.sh"

S=/tmp/$PFX-saved.conf
pubs() { sl -j nat publish show | jq -r 'sort_by(.proto)[] | "\(.proto) \(.port) \(.to) \(.from)"'; }
# What exists before sluice at boot: the uplink to the outside and a LAN device.
machine_up() {
	ns_add out && ns_add lan || return 1
	ip -n "$HOST" link add up0 type veth peer name o0 netns "$PFX-out"
	ip -n "$HOST" addr add 192.0.2.2/24 dev up0 && ip -n "$HOST" link set up0 up
	ip -n "$PFX-out" addr add 192.0.2.1/24 dev o0 && ip -n "$PFX-out" link set o0 up
	ip -n "$HOST" route add default via 192.0.2.1
	in_ns host sysctl -qw net.ipv4.ip_forward=1
	ip -n "$HOST" link add d0 type veth peer name l0 netns "$PFX-lan"
	ip -n "$HOST" link set d0 up
	ip -n "$PFX-lan" addr add 10.81.0.50/24 dev l0 && ip -n "$PFX-lan" link set l0 up
	ns_add c1 && ns_add c2 && ns_add c3 && ns_add c4
}
# The machine and a configuration of every kind of object.
fixture() {
	machine_up || return 1
	sl switch add sw0 addr 10.81.0.1/24 || return 1
	sl vlan add sw0 10 addr 10.81.10.1/24 name v10 || return 1
	sl switch add sw1 || return 1
	sl port add sw0 p-c1 netns "$PFX-c1" addr 10.81.0.11/24 mac 02:00:00:81:00:11 || return 1
	sl port add sw0 p-c2 netns "$PFX-c2" ifname ens1 addr 10.81.10.12/24 vlan 10 || return 1
	sl port add sw0 p-c3 netns "$PFX-c3" addr 10.81.0.13/24 xdp native spoofchk off || return 1
	sl port add sw0 d0 dev trunk 1,10 native 1 || return 1
	sl port add sw1 p-c4 netns "$PFX-c4" || return 1
	sl fdb add sw0 02:00:00:00:00:99 port p-c3 vlan 1 || return 1
	sl nat add m0 src 10.81.0.0/24 out up0 ports 20000-29999 || return 1
	sl nat timeouts udp 45 tcp_established 600 || return 1
	sl nat publish add m0 proto tcp port 8080 to 10.81.0.11:80 || return 1
	sl nat publish add m0 proto udp port 5000-5001 to 10.81.0.13 from 192.0.2.0/24 || return 1
	# A CNI-managed port: its runtime re-adds it, so save leaves it out.
	conf "$CNI_DIR/n.json" 1.0.0 net9 10.81.0.0/24 ',"switch":"sw0"'
}

# save, with a CNI-managed port beside the others.
test_save() {
	ns_add c9
	check cni_port_added cni ADD ctr9 c9 eth0 "$CNI_DIR/n.json"

	check save_to_file sl save "$S"
	check save_to_stdout_same eval 'diff <(sl save) "$S"'
	check saved_has_everything eval 'for l in "switch add sw0 addr 10.81.0.1/24" "switch add sw1" \
		"vlan add sw0 10 addr 10.81.10.1/24 name v10" \
		"port add sw0 p-c1 netns $PFX-c1 addr 10.81.0.11/24 mac 02:00:00:81:00:11" \
		"port add sw0 p-c2 netns $PFX-c2 ifname ens1 addr 10.81.10.12/24 mac" "vlan 10" \
		"port add sw0 p-c3 netns $PFX-c3 addr 10.81.0.13/24 mac .* xdp native spoofchk off" \
		"port add sw0 d0 dev trunk 1,10 native 1" "port add sw1 p-c4 netns $PFX-c4 mac" \
		"fdb add sw0 02:00:00:00:00:99 port p-c3 vlan 1" \
		"nat add m0 src 10.81.0.0/24 out up0 ports 20000-29999" \
		"nat timeouts tcp_established 600" "nat timeouts udp 45" \
		"nat publish add m0 proto tcp port 8080 to 10.81.0.11:80$" \
		"nat publish add m0 proto udp port 5000-5001 to 10.81.0.13:5000-5001 from 192.0.2.0/24"; do
		grep -q -- "$l" "$S" || { echo "missing: $l"; cat "$S"; exit 1; }; done'
	check saved_leaves_out_cni_port eval '! grep -q "10.81.0.2\b\|sl[0-9a-f]\{8\}" "$S"'
	check cni_del cni DEL ctr9 c9 eth0 "$CNI_DIR/n.json"
	sl save >"/tmp/$PFX-before.conf"
}

# The reboot: pins, namespaces and every device gone; the machine's own devices come back.
#@ after=save
test_reboot_and_restore() {
	local ns
	rm -rf "/sys/fs/bpf/sluice/$PFX"
	for ns in "${NAMESPACES[@]}"; do ip netns del "$ns" 2>/dev/null; done
	NAMESPACES=()
	check reboot_left_no_pins eval '[ ! -e "/sys/fs/bpf/sluice/$PFX" ]'
	ns_add host && machine_up || return 1

	check batch_restores sl -batch "$S"
	check reads_back_identical eval 'diff <(sl save | grep -v "^#") <(grep -v "^#" "/tmp/$PFX-before.conf")'
	check c1_to_gateway ping_ok c1 10.81.0.1
	check c1_to_c3 ping_ok c1 10.81.0.13
	check c1_to_lan_through_dev_port ping_ok c1 10.81.0.50
	check c2_to_vlan10_gateway ping_ok c2 10.81.10.1
	check c1_mac_restored eval 'in_ns c1 ip -o link show eth0 | grep -q 02:00:00:81:00:11'
	check c1_to_outside_masqueraded ping_ok c1 192.0.2.1
	check published_ports_restored eval '[ "$(pubs | tr "\n" ";")" = "tcp 8080 10.81.0.11:80 0.0.0.0/0;udp 5000-5001 10.81.0.13:5000-5001 192.0.2.0/24;" ] || { pubs; false; }'
	check static_fdb_restored eval 'sl fdb show | grep -q "02:00:00:00:00:99 .*port p-c3 type static"'
}

# A failing batch: line 4 names a switch that does not exist; lines 2-3 are undone.
#@ after=reboot_and_restore
test_failing_batches() {
	local before
	printf '# a comment\nswitch add sw5 addr 10.85.0.1/24\nport add sw5 p-x netns %s addr 10.85.0.2/24\n\nport add nosuch p-y netns %s\n' \
		"$PFX-c9" "$PFX-c9" >"/tmp/$PFX-bad.conf"
	ns_add c9
	before=$(snapshot)
	check batch_fails_with_line eval '! sl -batch "/tmp/$PFX-bad.conf" 2>"/tmp/$PFX-bad.err" &&
		grep -q "bad.conf:5: \"port add\" failed; undoing the 2 line" "/tmp/$PFX-bad.err"'
	check batch_failure_left_nothing eval '[ "$(snapshot)" = "$before" ]'
	# A failing batch whose del, set and timeouts lines came first: the snapshot it took puts
	# back what they deleted or changed (container port, static entry, published port, VLAN).
	sl save | grep -v "^#" >"/tmp/$PFX-pre.conf"
	printf 'nat timeouts udp 99\nport del p-c1\nfdb del sw0 02:00:00:00:00:99 vlan 1\nnat publish del m0 proto tcp port 8080\nport set p-c3 vlan 10\nswitch add sw7\nport add nosuch p-y netns %s\n' \
		"$PFX-c9" >"/tmp/$PFX-bad2.conf"
	check batch_del_set_fails eval '! sl -batch "/tmp/$PFX-bad2.conf" 2>"/tmp/$PFX-bad2.err" &&
		grep -q "bad2.conf:7: \"port add\" failed" "/tmp/$PFX-bad2.err" &&
		grep -q "is as it was before the batch" "/tmp/$PFX-bad2.err" || { cat "/tmp/$PFX-bad2.err"; false; }'
	check batch_del_set_rolled_back eval 'diff <(sl save | grep -v "^#") "/tmp/$PFX-pre.conf"'
	check batch_rollback_c1_to_c3 ping_ok c1 10.81.0.13
	check batch_unknown_object_applies_nothing eval '! printf "switch add sw6\nbogus add x\n" | sl -batch - 2>/dev/null && ! sl switch show sw6 2>/dev/null'
	check batch_from_stdin eval 'printf "switch add sw6\n" | sl -batch - && sl switch show sw6 >/dev/null'
	fails batch_no_file "-batch /nonexistent: No such file" sl -batch /nonexistent
}

. "$(dirname "$0")/runner.sh"
