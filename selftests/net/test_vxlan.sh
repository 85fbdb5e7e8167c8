#!/bin/bash
# VXLAN overlay ports: three "hosts" (namespaces, each with its own sluice instance and
# containers) on one underlay segment, one switch spread over them.
# modes: tc
. "$(dirname "$0")/lib.sh"

UNDER=192.168.77	# underlay: host N is $UNDER.N, the outside server $UNDER.100
OVER=10.50.0		# overlay subnet: host N's gateway .N, container cN .1N
T=vxlan

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
		slh $n port add sw0 vx0 vxlan "${VNIS[@]}" dev ul "${remotes[@]}" &&
		slh $n nat add masq src "$OVER.0/24" out ul
}

# ctr_add NAME N ADDR [OPTIONS]: container NAME on host N.
ctr_add() {
	local name=$1 n=$2 addr=$3; shift 3
	ns_add "$name" && slh "$n" port add sw0 "p-$name" netns "$PFX-$name" addr "$addr" "$@"
}

# Hosts 1 and 2 carry VLANs 10 and 20 too; host 3 only VLAN 1 (VNI 100). Containers cN on
# host N; a1 (host 1) and a2 (host 2) in VLAN 10, b2 (host 2) in VLAN 20; an HTTP-ish
# server on the underlay answering with the address it saw.
fixture() {
	underlay_add || return 1
	VNIS=(vlan 1 vni 100 vlan 10 vni 1010 vlan 20 vni 1020)
	host_add 1 2 3 && host_add 2 1 3 || return 1
	VNIS=(vni 100)
	host_add 3 1 2 || return 1
	ctr_add c1 1 "$OVER.11/24" && ctr_add c2 2 "$OVER.12/24" && ctr_add c3 3 "$OVER.13/24" &&
	ctr_add a1 1 10.60.0.1/24 vlan 10 && ctr_add a2 2 10.60.0.2/24 vlan 10 &&
	ctr_add b2 2 10.60.0.3/24 vlan 20 || return 1
	bg_ns srv timeout 300 ncat -l -k 8080 --sh-exec 'echo $NCAT_REMOTE_ADDR'
	pause 0.5
}

test_containers_on_three_hosts_ping_each_other() {
	for a in 1 2 3; do
		for b in 1 2 3; do [ $a = $b ] || ping_ok c$a "$OVER.1$b" || return 1; done
	done
}
test_host_reaches_container_on_another_host() { in_ns h1 ping -c 1 -W 1 -q "$OVER.12"; }
# An XDP port hands frames for the overlay (no XDP redirect target) to its tc program.
test_xdp_port_reaches_other_hosts() { ctr_add x1 1 "$OVER.21/24" xdp native && ping_ok x1 "$OVER.12" && ping_ok c3 "$OVER.21"; }

# Host 1 learned c2's MAC behind host 2 and c3's behind host 3.
learned_behind() {	# HOST MAC_OF REMOTE
	local mac
	mac=$(in_ns "$2" cat /sys/class/net/eth0/address)
	slh "$1" -j fdb show port vx0 | jq -e --arg m "$mac" --arg r "$3" \
		'[.[] | select(.mac == $m)][0] | .remote == $r and .type == "learned"' >/dev/null
}
test_fdb_learns_mac_behind_its_remote() { learned_behind 1 c2 "$UNDER.2"; }
test_fdb_learns_mac_behind_its_remote_3() { learned_behind 1 c3 "$UNDER.3"; }

tcp_transfer() {	# FROM TO_ADDR
	bg_ns c2 timeout 20 iperf3 -s -1 -B "$OVER.12" -p 5201
	local srv=$BG_PID rc
	pause 0.5
	in_ns "$1" timeout 20 iperf3 -c "$2" -p 5201 -t 2 -J > "/tmp/$PFX-iperf.json"
	rc=$?
	kill "$srv" 2>/dev/null
	[ $rc = 0 ] || return 1
	jq -r '.end | "received \(.sum_received.bits_per_second / 1e9) Gbit/s, \(.sum_sent.retransmits // 0) retransmits"' "/tmp/$PFX-iperf.json"
	jq -e '.end.sum_received.bytes > 0' "/tmp/$PFX-iperf.json" >/dev/null
}
test_iperf3_tcp_across_hosts() { tcp_transfer c1 "$OVER.12"; }

# MTU: the overlay's (uplink 1500 - 50) on both ends of every veth, so a full-size DF
# packet crosses and one byte more is refused at the sender.
mtu_is() { ip -n "$PFX-$1" -o link show "$2" | grep -q "mtu $3 "; }
test_container_mtu_is_uplink_minus_50() { mtu_is c1 eth0 1450; }
test_host_end_and_gateway_mtu_is_uplink_minus_50() {
	eval 'mtu_is h1 p-c1 1450 && mtu_is h1 sw0 1450 && mtu_is h1 sw0-gw 1450'
}
test_full_size_df_packet_crosses() { in_ns c1 ping -c 1 -W 1 -M do -s 1422 -q "$OVER.12"; }
test_oversized_df_packet_refused_at_sender() { in_ns c1 ping -c 1 -W 1 -M do -s 1423 "$OVER.12" 2>&1 | grep -q "message too long"; }

# One broadcast from c1: each remote host gets exactly one copy, no host floods it back
# to the overlay, and each container sees it once.
test_flood_reaches_each_remote_once() {
	local n got want pids=()
	for n in 1 2 3; do
		in_ns under timeout 30 tcpdump -U -n -i u$n -w "/tmp/$PFX-u$n.pcap" "udp port 4789" \
			2>"/tmp/$PFX-u$n.err" &
		pids+=($!); BG_PIDS+=($!)
	done
	for _ in $(seq 100); do	# each says so on stderr once it captures
		[ "$(cat "/tmp/$PFX-u"[123].err 2>/dev/null | grep -c listening)" = 3 ] && break
		sleep 0.1
	done
	listen c2 eth0 && listen c3 eth0 || return 1
	in_ns c1 /usr/bin/python3 "$PEER" send eth0 --dst ff:ff:ff:ff:ff:ff --marker vxflood1
	pause 1.5
	kill "${pids[@]}" 2>/dev/null; wait "${pids[@]}" 2>/dev/null
	for n in 1 2 3; do
		got=$(tcpdump -r "/tmp/$PFX-u$n.pcap" -n "dst host $UNDER.$n and udp[28:2] = 0x88b5" 2>/dev/null | grep -c VXLAN)
		want=1; [ $n = 1 ] && want=0
		[ "$got" = "$want" ] || { echo "host $n got $got copies, wanted $want"; return 1; }
	done
	for n in 2 3; do
		got=$(grep -c vxflood1 "/tmp/$PFX-c$n-eth0.log")
		[ "$got" = 1 ] || { echo "c$n saw $got copies"; return 1; }
	done
}

# Trunk VLAN -> VNI: VLAN 10 on hosts 1 and 2 travels as VNI 1010, untagged inside;
# VLANs stay apart across hosts, and host 3, which maps only VNI 100, drops VNI 1010.
test_vlan10_crosses_hosts() { ping_ok a1 10.60.0.2; }
test_vlan10_does_not_reach_vlan20_on_other_host() { ping_fails a1 10.60.0.3; }
test_vlan20_does_not_reach_vlan10_on_other_host() { ping_fails b2 10.60.0.1; }
test_vlan1_does_not_reach_vlan10() { ping_fails c1 10.60.0.2; }
test_vlan10_travels_as_vni_1010_untagged() {
	bg_ns under timeout 4 tcpdump -U -n -i u1 -w "/tmp/$PFX-vni.pcap" "udp port 4789"
	local td=$BG_PID
	pause 1
	ping_ok a1 10.60.0.2 || return 1
	wait "$td"
	# VNI 1010 (0x0003f2) in bytes 4-6 of the VXLAN header; inner EtherType IPv4, no tag.
	[ "$(tcpdump -r "/tmp/$PFX-vni.pcap" -n 'udp[12:4] = 0x0003f200 and udp[28:2] = 0x0800' 2>/dev/null | grep -c VXLAN)" -ge 2 ] &&
		[ "$(tcpdump -r "/tmp/$PFX-vni.pcap" -n 'udp[28:2] = 0x8100' 2>/dev/null | grep -c VXLAN)" = 0 ]
}
test_host_without_vni_drops_and_counts_it() {
	slh 3 -j stats vx0 | jq -e '.[0].drops.vxlan_vni_unmapped > 0' 
}
test_port_show_lists_vlan_vni_map() {
	slh 1 port show vx0 | grep -q "vlan_vni 1:100,10:1010,20:1020" &&
		slh 3 port show vx0 | grep -q "vni 100 "
}
test_vlan_gateway_added_later_gets_overlay_mtu() {
	slh 1 vlan add sw0 10 addr 10.60.0.254/24 && mtu_is h1 sw0.10 1450 && mtu_is h1 sw0.10-gw 1450 &&
		ping_ok a1 10.60.0.254
}

# `sluice upgrade` swaps the VXLAN port's program too, and the overlay keeps working.
test_upgrade_keeps_overlay_forwarding() {
	slh 1 upgrade >/dev/null && ping_ok c1 "$OVER.12" && ping_ok a1 10.60.0.2
}

# Masquerade: a container on any host reaches the outside server as its host's address.
masq_from() {	# CONTAINER HOST
	local got
	got=$(in_ns "$1" timeout 5 ncat --recv-only "$UNDER.100" 8080 2>/dev/null)
	[ "$got" = "$UNDER.$2" ] || { echo "server saw '$got', wanted $UNDER.$2"; return 1; }
}
test_masquerade_from_container_on_host1() { masq_from c1 1; }
test_masquerade_from_container_on_host2() { masq_from c2 2; }
test_masquerade_from_container_on_host3() { masq_from c3 3; }

# A static entry names its remote.
test_fdb_add_static_with_remote() {
	slh 1 fdb add sw0 02:00:00:00:00:aa port vx0 remote "$UNDER.2" || return 1
	slh 1 fdb show port vx0 | grep -q "02:00:00:00:00:aa .*type static remote $UNDER.2"
}

# A container moves from host 3 to host 2 (same MAC and address): once it has said
# something (here one ping, as a migrated guest's gratuitous ARP would), it is reachable.
test_container_moved_to_another_host_is_reachable() {
	local mac
	mac=$(in_ns c3 cat /sys/class/net/eth0/address)
	slh 3 port del p-c3 || return 1
	ctr_add c3b 2 "$OVER.13/24" mac "$mac" || return 1
	in_ns c3b ping -c 1 -W 1 -q "$OVER.11" >/dev/null
	in_ns c1 ping -c 3 -i 0.2 -W 1 "$OVER.13" | grep -q " 0% packet loss" || return 1
	learned_behind 1 c3b "$UNDER.2"
}

# Host 3 disappears with container c4 on it; c4 comes back silently on host 2. Until the
# entry behind host 3 ages out c1's frames to c4 go nowhere; after it, they flood and find it.
test_vanished_host_leaves_no_blackhole_after_ageing() {
	local mac rc=1
	ctr_add c4 3 "$OVER.14/24" || return 1
	ping_ok c1 "$OVER.14" || return 1
	mac=$(in_ns c4 cat /sys/class/net/eth0/address)
	slh 3 switch del sw0 >/dev/null 2>&1
	ip netns del "$PFX-h3"; ip netns del "$PFX-c4"
	ctr_add c4b 2 "$OVER.14/24" mac "$mac" || return 1
	ping_fails c1 "$OVER.14" || { echo "no blackhole before ageing?"; return 1; }
	"$SLUICE" --instance "$PFX-h1" --netns "$PFX-h1" daemon --fdb-ageing 2 --interval 1 \
		2>/dev/null & local d=$!
	BG_PIDS+=("$d")
	for _ in $(seq 20); do
		pause 0.5
		slh 1 fdb show | grep -q "remote $UNDER.3" || { rc=0; break; }
	done
	kill "$d"; wait "$d" 2>/dev/null
	[ $rc = 0 ] || { echo "entries behind host 3 never aged out"; return 1; }
	in_ns c1 ping -c 3 -i 0.2 -W 1 "$OVER.14" | grep -Eq " [1-3] received"
}
test_others_still_reach_each_other() { ping_ok c1 "$OVER.12"; }

# Host 4 joins: the others take it into their remote lists in place (port set ... remotes),
# and what host 1 learned behind host 3, now gone from its list, is flushed.
test_host_joins_through_port_set_remotes() {
	VNIS=(vni 100)
	host_add 4 1 2 && ctr_add c5 4 "$OVER.15/24" || return 1
	slh 1 port set vx0 remotes "$UNDER.2,$UNDER.4" && slh 2 port set vx0 remotes "$UNDER.1,$UNDER.4" ||
		return 1
	slh 1 port show vx0 | grep -q "remotes $UNDER.2,$UNDER.4 " || return 1
	ping_ok c5 "$OVER.11" && ping_ok c5 "$OVER.12" && learned_behind 1 c5 "$UNDER.4"
}
#@ after=host_joins_through_port_set_remotes
test_removed_remote_is_flushed_and_refused() {
	slh 1 port set vx0 remotes "$UNDER.2" || return 1
	! slh 1 fdb show | grep -q "remote $UNDER.4" || { echo "entries behind host 4 stayed"; return 1; }
	ping_fails c5 "$OVER.11" || return 1
	slh 1 -j stats vx0 | jq -e '.[0].drops.vxlan_unknown_remote > 0' || return 1
	ping_ok c1 "$OVER.12"	# the remote kept its place: entries behind it still hold
}
test_bad_set_remotes_on_veth_port() {
	fails "$T.bad_set_remotes_on_veth_port" "port p-c1 is not a VXLAN port" \
		slh 1 port set p-c1 remotes "$UNDER.2"
}
test_bad_set_remotes_twice() {
	fails "$T.bad_set_remotes_twice" "remote $UNDER.2 is listed twice" \
		slh 1 port set vx0 remotes "$UNDER.2,$UNDER.2"
}

# Bad input: one line naming the culprit, exit 1, nothing changed on host 1.
snap1() {
	ip -n "$PFX-h1" -o link show | awk '{print $2}'
	find "/sys/fs/bpf/sluice/$PFX-h1" | sort
	slh 1 -j port show; slh 1 -j fdb show | jq length
	for m in sl_vx_ports sl_vx_remotes sl_vx_ids; do
		bpftool map dump pinned "/sys/fs/bpf/sluice/$PFX-h1/$m" | grep -c key
	done
}
test_bad_input() {
	local before
	before=$(snap1)
	fails "$T.bad_remote_listed_twice" "remote $UNDER.2 is listed twice" \
		slh 1 port add sw0 vx1 vxlan vni 200 dstport 4790 remote "$UNDER.2" remote "$UNDER.2"
	fails "$T.bad_vni_clash" "vni 100 is already carried by port vx0" \
		slh 1 port add sw0 vx1 vxlan vni 100 dstport 4790 remote "$UNDER.2"
	fails "$T.bad_udp_port_clash" "port vx0 already takes VXLAN on UDP port 4789" \
		slh 1 port add sw0 vx1 vxlan vni 200 remote "$UNDER.2"
	fails "$T.bad_one_vni_for_two_vlans" "vni 5 is given for vlan 1 and vlan 10" \
		slh 1 port add sw0 vx1 vxlan vni 5 vlan 10 vni 5 dstport 4790
	fails "$T.bad_vlan_without_vni" "vlan 10: give its VNI right after it" \
		slh 1 port add sw0 vx1 vxlan vlan 10 dstport 4790
	fails "$T.bad_no_vni" "vxlan needs \"vni VNI\"" slh 1 port add sw0 vx1 vxlan remote "$UNDER.2"
	fails "$T.bad_vni_range" 'vni "16777216" is not a VXLAN network id' \
		slh 1 port add sw0 vx1 vxlan vni 16777216
	fails "$T.bad_remote_address" 'remote "224.0.0.1" is not a unicast IPv4 address' \
		slh 1 port add sw0 vx1 vxlan vni 200 remote 224.0.0.1
	fails "$T.bad_uplink" "dev nosuch does not exist" \
		slh 1 port add sw0 vx1 vxlan vni 200 dstport 4790 dev nosuch
	fails "$T.bad_remote_is_local" "remote $UNDER.1 is this host's local address" \
		slh 1 port add sw0 vx1 vxlan vni 200 dstport 4790 local "$UNDER.1" remote "$UNDER.1"
	ip -n "$PFX-h1" link add kvx type vxlan external dstport 4791 || return 1
	fails "$T.bad_kernel_refusal_is_reported" "create vxlan vx1: File exists" \
		slh 1 port add sw0 vx1 vxlan vni 200 dstport 4791
	ip -n "$PFX-h1" link del kvx
	fails "$T.bad_fdb_add_without_remote" "port vx0 is a VXLAN port: which host has" \
		slh 1 fdb add sw0 02:00:00:00:00:bb port vx0
	fails "$T.bad_fdb_add_unknown_remote" "remote 192.168.77.9 is not a remote of port vx0" \
		slh 1 fdb add sw0 02:00:00:00:00:bb port vx0 remote 192.168.77.9
	fails "$T.bad_fdb_remote_on_veth_port" "port p-c1 is not a VXLAN port" \
		slh 1 fdb add sw0 02:00:00:00:00:bb port p-c1 remote "$UNDER.2"
	fails "$T.bad_port_set_vlan_on_vxlan" "a VXLAN port's VLANs are its VNIs" slh 1 port set vx0 vlan 10
	check "$T.bad_input_leaves_nothing_behind" test "$before" = "$(snap1)"
}

# A failure after the device exists undoes everything it made. The port's hook attach is made
# to fail: for the length of one `port add`, the instance's pinned tc program is its XDP one,
# which the kernel refuses as a clsact filter (bpffs names may hold no dot).
undo_after_device() {
	local root=/sys/fs/bpf/sluice/$PFX-h1 out rc before
	before=$(snap1)
	mv "$root/prog_tc" "$root/prog_tc_aside" || return 1
	bpftool prog pin pinned "$root/prog_xdp" "$root/prog_tc" || { mv "$root/prog_tc_aside" "$root/prog_tc"; return 1; }
	out=$(slh 1 port add sw0 vx1 vxlan vni 200 dstport 4790 remote "$UNDER.2" 2>&1 >/dev/null)
	rc=$?
	rm "$root/prog_tc" && mv "$root/prog_tc_aside" "$root/prog_tc"
	if [ $rc != 1 ] || ! echo "$out" | grep -q "port vx1: attach tc .*Invalid argument"; then
		echo "exit $rc: $out"; slh 1 port del vx1 2>/dev/null; return 1
	fi
	test "$before" = "$(snap1)"
}
test_failure_after_device_creation_leaves_nothing_behind() {
	check "$T.failure_after_device_creation_leaves_nothing_behind" undo_after_device
}

# port del and switch del take the device and every VXLAN map entry with them.
test_port_del_removes_device_and_vxlan_entries() {
	slh 2 port del vx0 || return 1
	! ip -n "$PFX-h2" link show vx0 2>/dev/null || return 1
	for m in sl_vx_ports sl_vx_remotes sl_vx_ids; do
		[ "$(bpftool map dump pinned "/sys/fs/bpf/sluice/$PFX-h2/$m" | grep -c key)" = 0 ] || return 1
	done
	! slh 2 fdb show | grep -q "port vx0"
}

# The last switch takes the VXLAN maps' pins with the instance.
test_last_switch_del_unpins_vxlan_maps() {
	slh 2 nat del masq && slh 2 switch del sw0 || return 1
	[ ! -e "/sys/fs/bpf/sluice/$PFX-h2" ]
}

. "$(dirname "$0")/runner.sh"
