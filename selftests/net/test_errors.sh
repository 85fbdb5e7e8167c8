#!/bin/bash
# Failure paths of every command: one stderr line naming the culprit, exit status 1,
# and nothing left behind (links, pins, map entries), including missing privileges,
# a missing bpffs and a device without a needed feature.
# modes: tc
. "$(dirname "$0")/lib.sh"

C2=$PFX-c2

# Two switches, a container, host devices; what they hold is snapshot before any test.
fixture() {
	sl switch add sw0 addr 10.32.0.1/24 || return 1
	container_add c1 sw0 10.32.0.11/24 || return 1
	sl switch add sw1 || return 1
	ns_add c2 || return 1
	# Host devices: a veth pair, and a bridge (a device without native XDP; a macvlan is refused
	# earlier, as a macvlan port).
	ip -n "$HOST" link add hv0 type veth peer name hv1 &&
		ip -n "$HOST" link add nx0 type bridge || return 1

	before=$(snapshot)
}

# A private mount namespace without bpffs: the machine's own mount stays.
no_bpffs() {
	unshare -m sh -c 'while mountpoint -q /sys/fs/bpf; do umount -l /sys/fs/bpf || exit 2; done
		exec "$@"' sh "$@"
}

# global
test_cli() {
	fails cli.unknown_option 'unknown option "--bogus"' sl --bogus switch show
	fails cli.unknown_object 'unknown object "bogus"' sl bogus
	fails cli.bad_instance_name 'instance name "a/b" is invalid' "$SLUICE" --instance a/b switch show
	fails cli.missing_host_netns "netns $PFX-nosuch" "$SLUICE" --instance "$PFX" --netns "$PFX-nosuch" switch show
	fails cli.instance_without_switch "instance $PFX-none has no switch" "$SLUICE" --instance "$PFX-none" port del p-x
	fails cli.not_root "needs root: missing CAP_BPF .*CAP_NET_ADMIN .*CAP_SYS_ADMIN" \
		setpriv --reuid=65534 --regid=65534 --clear-groups "$SLUICE" --instance "$PFX" switch show
	fails cli.root_without_cap_bpf "needs root: missing CAP_BPF \(BPF maps and programs\)$" \
		setpriv --bounding-set=-bpf --inh-caps=-bpf "$SLUICE" --instance "$PFX" switch show
	fails cli.no_bpffs "bpffs is not mounted at /sys/fs/bpf" no_bpffs "$SLUICE" --instance "$PFX" switch add sw9
}

# switch
test_switch() {
	fails switch.bad_name 'switch name "a_name_too_long" is invalid' sl switch add a_name_too_long
	fails switch.existing "switch sw0 already exists" sl switch add sw0
	fails switch.bad_cidr 'addr "10.32.1.1/33"' sl switch add sw9 addr 10.32.1.1/33
	fails switch.unexpected_arg 'unexpected "bogus"' sl switch add sw9 bogus
	fails switch.gateway_device_exists "device hv0 or hv0-gw already exists" sl switch add hv0 addr 10.32.2.1/24
	fails switch.del_unknown "switch nosuch does not exist" sl switch del nosuch
	fails switch.show_unknown "switch nosuch does not exist" sl switch show nosuch
	fails switch.unknown_command 'switch: unknown command "frob"' sl switch frob
}

# port add
test_port_add() {
	fails port.add_usage "the port's NAME is missing: sluice port add SWITCH NAME" sl port add sw0
	fails port.add_bad_name 'port name "bad/name"' sl port add sw0 bad/name netns "$C2"
	fails port.add_netns_and_dev 'give either "netns NS" or "dev"' sl port add sw0 p-x netns "$C2" dev
	fails port.add_neither_netns_nor_dev 'which kind of port\? give "netns NS"' sl port add sw0 p-x vlan 2
	fails port.add_bad_vid 'vlan "4095" is not a VLAN id' sl port add sw0 p-x netns "$C2" vlan 4095
	fails port.add_bad_trunk 'trunk "10,,20"' sl port add sw0 p-x netns "$C2" trunk 10,,20
	fails port.add_native_outside_trunk "native VLAN 30 is not in the trunk" \
		sl port add sw0 p-x netns "$C2" trunk 10,20 native 30
	fails port.add_vlan_twice '"vlan 2" and "trunk 3"' sl port add sw0 p-x netns "$C2" vlan 2 trunk 3
	fails port.add_multicast_mac "mac 01:00:5e:00:00:01 is a multicast address" \
		sl port add sw0 p-x netns "$C2" mac 01:00:5e:00:00:01
	fails port.add_bad_gw 'gw "10.32.0"' sl port add sw0 p-x netns "$C2" gw 10.32.0
	fails port.add_bad_xdp 'xdp "turbo"' sl port add sw0 p-x netns "$C2" xdp turbo
	fails port.add_bad_spoofchk 'spoofchk "maybe"' sl port add sw0 p-x netns "$C2" spoofchk maybe
	fails port.add_value_missing '"addr" needs a value' sl port add sw0 p-x netns "$C2" addr
	fails port.add_unknown_option 'unknown option "colour"' sl port add sw0 p-x netns "$C2" colour red
	fails port.add_dev_with_addr "addr, gw and mac are for new container ports" \
		sl port add sw0 hv1 dev addr 10.32.0.5/24
	fails port.add_missing_dev "device nosuch0 does not exist in the host netns" sl port add sw0 nosuch0 dev
	fails port.add_host_device_exists "device hv1 already exists in the host netns" \
		sl port add sw0 hv1 netns "$C2"
	fails port.add_dev_without_native_xdp "port nx0: attach XDP \(native\): .*no native XDP: use xdp generic" sl port add sw0 nx0 dev xdp native
}

# port set / del / show
test_port_set_del_show() {
	fails port.set_unknown "port nosuch does not exist" sl port set nosuch vlan 2
	fails port.set_usage "usage: sluice port set" sl port set p-c1
	fails port.set_add_only_option '"gw" is given when the port is made' sl port set p-c1 gw 10.32.0.9
	fails port.del_unknown "port nosuch does not exist" sl port del nosuch
	fails port.del_gateway "port sw0-gw is the gateway of its switch" sl port del sw0-gw
	fails port.show_unknown "port nosuch does not exist" sl port show nosuch
	fails port.unknown_command 'port: unknown command "frob"' sl port frob
}

# fdb
test_fdb() {
	fails fdb.add_bad_mac 'mac "02:00:00:00:00:zz"' sl fdb add sw0 02:00:00:00:00:zz port p-c1
	fails fdb.add_multicast "multicast address: the FDB holds unicast MACs" sl fdb add sw0 ff:ff:ff:ff:ff:ff port p-c1
	fails fdb.add_no_port "which port" sl fdb add sw0 02:00:00:00:00:01
	fails fdb.add_unknown_switch "switch nosuch does not exist" sl fdb add nosuch 02:00:00:00:00:01 port p-c1
	fails fdb.add_unknown_port "port nosuch does not exist" sl fdb add sw0 02:00:00:00:00:01 port nosuch
	fails fdb.add_port_of_other_switch "port p-c1 is not on switch sw1" sl fdb add sw1 02:00:00:00:00:01 port p-c1
	fails fdb.add_bad_vlan 'vlan "0" is not a VLAN id' sl fdb add sw0 02:00:00:00:00:01 port p-c1 vlan 0
	fails fdb.del_absent "02:00:00:00:00:01 vlan 1 is not in switch sw0" sl fdb del sw0 02:00:00:00:00:01
	fails fdb.show_unknown_port "port nosuch does not exist" sl fdb show port nosuch
	fails fdb.flush_unknown_switch "switch nosuch does not exist" sl fdb flush switch nosuch
	fails fdb.unknown_command 'fdb: unknown command "frob"' sl fdb frob
}

# nat
test_nat() {
	fails nat.add_bad_src 'src "10.32.0.0/33" is not an IPv4 CIDR' sl nat add m1 src 10.32.0.0/33 out hv0
	fails nat.add_unknown_out_dev "nat m1: device nosuch0 does not exist in the host netns" \
		sl nat add m1 src 10.32.0.0/24 out nosuch0
	fails nat.add_reversed_ports 'ports "2000-1000"' sl nat add m1 src 10.32.0.0/24 out hv0 ports 2000-1000
	fails nat.del_without_rules "has no NAT rules" sl nat del nosuch
	fails nat.unknown_timeout 'timeouts: unknown "nosuch"' sl nat timeouts nosuch 5
	fails nat.unknown_command 'nat: unknown command "frob"' sl nat frob
}

# stats, daemon, upgrade
test_stats_daemon_upgrade() {
	fails stats.unknown_port "port nosuch does not exist" sl stats nosuch
	fails stats.usage "usage: sluice stats" sl stats a b
	fails daemon.bad_ageing '--fdb-ageing "soon"' sl daemon --fdb-ageing soon
	fails daemon.usage "usage: sluice daemon" sl daemon --frob
	fails upgrade.usage "usage: sluice upgrade" sl upgrade now
	fails upgrade.instance_without_switch "instance $PFX-none has no switch" \
		"$SLUICE" --instance "$PFX-none" upgrade
}

# What the refusals left: nothing.
test_nothing_left() {
	check errors.leave_nothing_behind test "$before" = "$(snapshot)"
	check errors.no_instance_pins_made test ! -e "/sys/fs/bpf/sluice/$PFX-none"
	check errors.switch_still_forwards ping_ok c1 10.32.0.1
}

. "$(dirname "$0")/runner.sh"
