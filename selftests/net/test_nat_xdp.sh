#!/bin/bash
# The NAT's XDP uplink (`nat add ... xdp native`): replies translated at up0's XDP hook and
# redirected into XDP container ports, an XDP port's packets of live connections sent to up0
# from XDP, the rest handed on to tc (a tc port's container, new connections, the host's own
# traffic), with ICMP, UDP and a 1 GiB TCP transfer each way checked end to end.
# modes: tc
. "$(dirname "$0")/lib.sh"

T=nat_xdp
PEERS=$ROOT/selftests/net/nat_peers.py
SRV=203.0.113.10 UP=203.0.113.2

# The uplink pair and what the outside end needs (see the README's veth caveats).
uplink_make() {
	ip -n "$HOST" link add up0 type veth peer name o0 netns "$PFX-out" &&
	ip -n "$HOST" addr add $UP/24 dev up0 && ip -n "$HOST" link set up0 up &&
	ip -n "$PFX-out" addr add $SRV/24 dev o0 && ip -n "$PFX-out" link set o0 up &&
	ip -n "$HOST" route replace default via $SRV &&
	# XDP sees the sender's partial checksum on a veth and cannot finish it: a NIC
	# uplink has no such sender. Off on the outside's end, as the README says.
	in_ns out ethtool -K o0 tx off >/dev/null &&
	# XDP frames redirected into a veth need NAPI on its peer: GRO gives it one.
	in_ns out ethtool -K o0 gro on >/dev/null
}

fixture() {
	in_ns host sysctl -qw net.ipv4.ip_forward=1 &&
	sl switch add sw0 addr 10.30.0.1/24 &&
	container_add c1 sw0 10.30.0.11/24 gw 10.30.0.1 xdp native &&
	container_add c2 sw0 10.30.0.12/24 gw 10.30.0.1 &&
	ns_add out && uplink_make &&
	# A device that refuses native XDP (veth over about 3.5k MTU).
	ip -n "$HOST" link add big0 mtu 9000 type veth peer name big1 netns "$PFX-out" &&
	ip -n "$PFX-out" link set big1 mtu 9000 up && ip -n "$HOST" link set big0 up &&
	sl nat add m0 src 10.30.0.0/24 out up0 xdp native || return 1
	bg_ns out /usr/bin/python3 "$PEERS" serve 9999
	pause 1
}

# xdp KEY [SUB]: a counter of the XDP hook from `nat stats -j`.
xdp() { sl_json ".xdp.$1${2:+.$2}" nat stats; }
ping_n() { in_ns "$1" ping -c "$3" -i 0.2 -W 1 -q "$2" >/dev/null; }

test_nat_show_says_xdp_native_and_up0_has_it() {
	sl nat show
	sl -j nat show | jq -e 'map({(.name): .xdp}) | add == {m0: "native"}' &&
	ip -n "$HOST" link show up0 | grep -q 'xdp'
}
test_save_keeps_the_xdp_mode() { eval 'sl save | grep -q "^nat add m0 .* xdp native"'; }

# Both ways in XDP: requests from c1's XDP port (after the first, which opens the
# connection on tc's fast path), replies at up0's XDP hook.
test_echo_both_ways_in_xdp() {
	local i o
	i=$(xdp in_packets) o=$(xdp out_packets)
	ping_n c1 $SRV 5 || return 1
	echo "xdp in_packets $i -> $(xdp in_packets), out_packets $o -> $(xdp out_packets)"
	[ "$(xdp in_packets)" -ge $((i + 5)) ] && [ "$(xdp out_packets)" -ge $((o + 4)) ]
}

test_udp_flows_answered_through_xdp_seen_as_external_address() {
	local i out
	i=$(xdp in_packets)
	out=$(in_ns c1 timeout 20 python3 "$PEERS" flows $SRV 9999 50)
	echo "$out; xdp in_packets $i -> $(xdp in_packets)"
	echo "$out" | grep -q "answered 50 of 50, server saw $UP" &&
	[ "$(xdp in_packets)" -ge $((i + 50)) ]
}

# The container on a tc port: XDP hands its replies on (no_port), tc delivers them.
test_tc_port_container_replies_pass_to_tc_and_arrive() {
	local n
	n=$(xdp pass_in no_port)
	ping_n c2 $SRV 3 || return 1
	echo "pass_in no_port $n -> $(xdp pass_in no_port)"
	[ "$(xdp pass_in no_port)" -ge $((n + 3)) ]
}

# The host's own traffic on the uplink is the host's.
test_host_own_traffic_unaffected() {
	in_ns out ping -c 2 -i 0.2 -W 1 -q $UP >/dev/null && ping_ok host $SRV
}

stream() { openssl enc -aes-128-ctr -nosalt -K 000102030405060708090a0b0c0d0e0f -iv 0 < /dev/zero 2>/dev/null | head -c "$1"; }
# xfer_sum FROM TO ADDR PORT BYTES: BYTES over TCP from FROM to a listener in TO at
# ADDR:PORT (TO listens and FROM connects); the sha256 of both ends must match.
xfer_sum() {
	local from=$1 to=$2 addr=$3 port=$4 bytes=$5 sink
	bg_ns "$to" timeout 120 sh -c "socat -u TCP-LISTEN:$port,reuseaddr - | sha256sum > /tmp/$PFX-got$port"
	sink=$BG_PID
	for _ in $(seq 100); do in_ns "$to" ss -ltn | grep -q ":$port " && break; sleep 0.1; done
	in_ns "$from" timeout 120 bash -c "$(declare -f stream); stream $bytes | tee >(sha256sum > /tmp/$PFX-sent$port) | socat -u - TCP:$addr:$port" || return 1
	wait "$sink" || return 1
	sleep 0.5
	echo "sent $(cut -c1-16 /tmp/$PFX-sent$port), received $(cut -c1-16 /tmp/$PFX-got$port)"
	[ "$(cut -d' ' -f1 /tmp/$PFX-sent$port)" = "$(cut -d' ' -f1 /tmp/$PFX-got$port)" ]
}

# Upload: data out of c1's XDP port, ACKs back through up0's XDP hook; download the other
# way round (the server sends into the connection the container opened).
test_tcp_1GiB_each_way_same_sha256_both_directions_in_xdp() {
	local i o
	i=$(xdp in_packets) o=$(xdp out_packets)
	SECONDS=0
	xfer_sum c1 out $SRV 9100 $((1 << 30)) || return 1
	bg_ns out timeout 120 bash -c "$(declare -f stream); stream $((1 << 30)) | tee >(sha256sum > /tmp/$PFX-sent2) | socat -u - TCP-LISTEN:9101,reuseaddr"
	for _ in $(seq 100); do in_ns out ss -ltn | grep -q ':9101 ' && break; sleep 0.1; done
	in_ns c1 timeout 120 socat -u TCP:$SRV:9101 - | sha256sum > "/tmp/$PFX-got2"
	sleep 0.5
	echo "download: sent $(cut -c1-16 "/tmp/$PFX-sent2"), received $(cut -c1-16 "/tmp/$PFX-got2"); ${SECONDS}s; xdp in +$(($(xdp in_packets) - i)), out +$(($(xdp out_packets) - o))"
	[ "$(cut -d' ' -f1 "/tmp/$PFX-sent2")" = "$(cut -d' ' -f1 "/tmp/$PFX-got2")" ] &&
	[ "$(xdp in_packets)" -gt $((i + 100000)) ] && [ "$(xdp out_packets)" -gt $((o + 100000)) ]
}

csum_errors() {
	local ns
	for ns in c1 c2 out host; do in_ns $ns nstat -asz; done |
		awk '/InCsumErrors/ {s += $2} END {print s + 0}'
}
test_no_checksum_errors_in_any_namespace() { test "$(csum_errors)" = 0; }

test_device_refusing_xdp_is_a_clear_error_and_changes_nothing() {
	local out
	out=$(sl nat add m1 src 10.31.0.0/24 out big0 to 192.0.2.77 xdp native 2>&1)
	echo "$out"
	echo "$out" | grep -q "nat uplink big0: attach XDP (native): .*MTU" &&
	[ "$(sl -j nat show | jq -r '.[].name' | tr '\n' ' ')" = "m0 " ] &&
	! ip -n "$HOST" link show big0 | grep -q xdp &&
	! ls "/sys/fs/bpf/sluice/$PFX/links" | grep -q "^$(ip -n "$HOST" -o link show big0 | cut -d: -f1)_"
}
test_bad_input_xdp_mode() {
	fails "$T.bad_input_xdp_mode" 'xdp "offload": expected native or generic' \
		sl nat add m2 src 10.98.0.0/24 out up0 xdp offload
}
test_bad_input_xdp_mode_differs_on_one_uplink() {
	fails "$T.bad_input_xdp_mode_differs_on_one_uplink" 'uplink up0 has xdp native [(]rule m0[)]' \
		sl nat add m3 src 10.97.0.0/24 out up0
}

# The uplink is deleted and made again: the daemon hooks the new device, XDP included.
daemon_rehooks_xdp() {
	local i o
	ip -n "$HOST" link del up0 && uplink_make || return 1
	for _ in $(seq 50); do
		ip -n "$HOST" link show up0 | grep -q xdp && ping_ok c1 $SRV && break
		sleep 0.2
	done
	i=$(xdp in_packets) o=$(xdp out_packets)
	ping_n c1 $SRV 3 || return 1
	echo "$(sl nat show); xdp in $i -> $(xdp in_packets), out $o -> $(xdp out_packets)"
	[ "$(xdp in_packets)" -ge $((i + 3)) ] && [ "$(xdp out_packets)" -ge $((o + 2)) ]
}
test_daemon_rehooks_a_remade_uplink_with_xdp() {
	local rc
	daemon_start --interval 60
	daemon_rehooks_xdp; rc=$?
	kill "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null
	return $rc
}

test_upgrade_swaps_the_xdp_program_traffic_stays_on_it() {
	local i o
	sl upgrade || return 1
	i=$(xdp in_packets) o=$(xdp out_packets)
	ping_n c1 $SRV 3 && [ "$(xdp in_packets)" -ge $((i + 3)) ] && [ "$(xdp out_packets)" -ge $((o + 2)) ]
}

# fastpath off on the XDP uplink: its hook hands every reply on to tc (counted as
# fastpath_off), the host routes and the tc hooks translate; echo from the XDP and the tc
# port, and 20 UDP flows, still answered and seen as the external address.
test_fastpath_off_xdp_uplink_leaves_everything_to_the_host() {
	local i o off out
	sl nat del m0 && sl nat add m0 src 10.30.0.0/24 out up0 xdp native fastpath off || return 1
	ip -n "$HOST" link show up0 | grep -q xdp || return 1
	i=$(xdp in_packets) o=$(xdp out_packets) off=$(xdp pass_in fastpath_off)
	ping_n c1 $SRV 3 && ping_n c2 $SRV 3 || return 1
	out=$(in_ns c1 timeout 20 python3 "$PEERS" flows $SRV 9999 20)
	echo "$out; xdp in $i -> $(xdp in_packets), out $o -> $(xdp out_packets), pass_in fastpath_off $off -> $(xdp pass_in fastpath_off)"
	echo "$out" | grep -q "answered 20 of 20, server saw $UP" &&
	[ "$(xdp in_packets)" = "$i" ] && [ "$(xdp out_packets)" = "$o" ] &&
	[ "$(xdp pass_in fastpath_off)" -ge $((off + 26)) ]
}

test_del_detaches_xdp_and_unpins() {
	sl nat del m0 || return 1
	! ip -n "$HOST" link show up0 | grep -q xdp &&
	! ls "/sys/fs/bpf/sluice/$PFX" | grep -E 'nat'
}

. "$(dirname "$0")/runner.sh"
