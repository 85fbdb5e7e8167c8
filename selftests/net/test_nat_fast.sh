#!/bin/bash
# The NAT fast path with real tools: containers -- host (sluice switch + nat, two uplinks)
# -- router -- outside. What it routes itself, what it leaves to the host and why, and that
# the host's own routing (routes, neighbours, links) keeps deciding. test_nat.sh runs the
# NAT's behaviour with the fast path on (mode tc) and off (mode slowpath).
# modes: tc
. "$(dirname "$0")/lib.sh"

T=nat_fast
PEERS=$ROOT/selftests/net/nat_peers.py
SRV=203.0.113.10 UP=198.51.100.2 RTR=198.51.100.1 UP2=192.0.2.2 RTR2=192.0.2.1
RTR_NS=$PFX-rtr RTR2_NS=$PFX-rtr2

fixture() {
	in_ns host sysctl -qw net.ipv4.ip_forward=1 &&
	sl switch add sw0 addr 10.20.0.1/24 &&
	container_add c1 sw0 10.20.0.11/24 gw 10.20.0.1 &&
	# An XDP port: it hands frames for the gateway to its tc program, fast path included.
	container_add c2 sw0 10.20.0.12/24 gw 10.20.0.1 xdp native &&
	ns_add rtr && ns_add out && ns_add rtr2 &&
	ip -n "$HOST" link add up0 type veth peer name r0 netns "$RTR_NS" &&
	ip -n "$RTR_NS" link add r1 type veth peer name o0 netns "$PFX-out" &&
	ip -n "$HOST" addr add $UP/24 dev up0 && ip -n "$HOST" link set up0 up &&
	ip -n "$HOST" route add default via $RTR &&
	ip -n "$RTR_NS" addr add $RTR/24 dev r0 && ip -n "$RTR_NS" link set r0 up &&
	ip -n "$RTR_NS" addr add 203.0.113.1/24 dev r1 && ip -n "$RTR_NS" link set r1 up &&
	in_ns rtr sysctl -qw net.ipv4.ip_forward=1 &&
	# A narrower link beyond the router: PMTU discovery has to work through the NAT.
	ip -n "$RTR_NS" link set r1 mtu 1400 && ip -n "$PFX-out" link set o0 mtu 1400 &&
	ip -n "$PFX-out" addr add $SRV/24 dev o0 && ip -n "$PFX-out" link set o0 up &&
	ip -n "$PFX-out" route add default via 203.0.113.1 &&
	# A second uplink without a NAT rule, for the route change.
	ip -n "$HOST" link add up1 type veth peer name s0 netns "$RTR2_NS" &&
	ip -n "$HOST" addr add $UP2/24 dev up1 && ip -n "$HOST" link set up1 up &&
	ip -n "$RTR2_NS" addr add $RTR2/24 dev s0 && ip -n "$RTR2_NS" link set s0 up &&
	sl nat add m0 src 10.20.0.0/24 out up0 || return 1

	# Every packet on the first uplink with a container address in it, for the whole run.
	bg_ns rtr tcpdump -n -U -i r0 -w "/tmp/$PFX-leak.pcap" net 10.20.0.0/24
	LEAK_PID=$BG_PID
	bg_ns out /usr/bin/python3 "$PEERS" serve 9999
	bg_ns out iperf3 -s -p 5201
	pause 1
}

# fast DIR / slow DIR REASON: the counter, summed over CPUs (DIR: out or in).
fast() { sl_json ".fastpath.${1}_packets" nat stats; }
slow() { sl_json ".fastpath.slow_$1.$2" nat stats; }
ping_n() { in_ns "$1" ping -c "$3" -i 0.2 -W 1 -q "$2" >/dev/null; }

test_ping_both_ways_on_the_fast_path() {
	local o i
	o=$(fast out) i=$(fast in)
	ping_n c1 $SRV 5 || return 1
	echo "fast out $o -> $(fast out), in $i -> $(fast in)"
	[ "$(fast out)" -ge $((o + 5)) ] && [ "$(fast in)" -ge $((i + 5)) ]
}

test_xdp_port_takes_the_fast_path_too() {
	local o
	o=$(fast out)
	ping_n c2 $SRV 3 || return 1
	echo "fast out $o -> $(fast out)"
	[ "$(fast out)" -ge $((o + 3)) ]
}

test_nat_show_says_fastpath_per_rule() {
	sl nat show
	sl nat add m1 src 10.99.0.0/24 out up0 fastpath off || return 1
	sl -j nat show | jq -e 'map({(.name): .fastpath}) | add == {m0: true, m1: false}' || return 1
	sl nat del m1
}
test_bad_input_fastpath_value() {
	fails "$T.bad_input_fastpath_value" 'fastpath "maybe": expected on or off' \
		sl nat add m2 src 10.98.0.0/24 out up0 fastpath maybe
}

# TTL 1 at the host is the host's: tracepath still shows the gateway, then the router.
test_tracepath_shows_gateway_and_router() {
	local out t
	t=$(slow out ttl_expiring)
	out=$(in_ns c1 timeout 20 tracepath -n -m 5 $SRV 2>&1)
	echo "$out"
	echo "ttl_expiring $t -> $(slow out ttl_expiring)"
	echo "$out" | grep -q " 10.20.0.1 " && echo "$out" | grep -q " $RTR " &&
	echo "$out" | grep -q "reached" && [ "$(slow out ttl_expiring)" -gt "$t" ]
}

# A deterministic stream (AES-CTR of zeros) of BYTES, sent from NS to HOST:PORT.
stream() { openssl enc -aes-128-ctr -nosalt -K 000102030405060708090a0b0c0d0e0f -iv 0 < /dev/zero 2>/dev/null | head -c "$1"; }
# xfer FROM TO ADDR BYTES: BYTES over TCP from namespace FROM to a sink in TO at ADDR;
# both ends hash what they saw; fails unless the sums match and it ends within 120 s.
xfer() {
	local from=$1 to=$2 addr=$3 bytes=$4 sink sent got
	bg_ns "$to" timeout 120 sh -c "socat -u TCP-LISTEN:9100,reuseaddr - | sha256sum > /tmp/$PFX-got"
	sink=$BG_PID
	for _ in $(seq 100); do in_ns "$to" ss -ltn | grep -q ':9100 ' && break; sleep 0.1; done
	sent=$(in_ns "$from" timeout 120 bash -c "$(declare -f stream); stream $bytes | tee >(sha256sum > /tmp/$PFX-sent) | socat -u - TCP:$addr:9100" && sleep 0.5 && cut -d' ' -f1 "/tmp/$PFX-sent")
	wait "$sink" || return 1
	got=$(cut -d' ' -f1 "/tmp/$PFX-got")
	echo "sent $sent, received $got"
	[ -n "$sent" ] && [ "$sent" = "$got" ]
}

# 1 GiB each way through the 1400-byte link beyond the router: the
# upload goes on only when the router's Frag Needed reaches the container (translated on the
# slow path).
test_tcp_1GiB_each_way_same_sha256_through_pmtu() {
	local o i
	o=$(fast out) i=$(fast in)
	SECONDS=0
	xfer c1 out $SRV $((1 << 30)) || return 1
	# Inbound: the container connects and the server sends.
	bg_ns out timeout 120 bash -c "$(declare -f stream); stream $((1 << 30)) | tee >(sha256sum > /tmp/$PFX-sent2) | socat -u - TCP-LISTEN:9101,reuseaddr"
	for _ in $(seq 100); do in_ns out ss -ltn | grep -q ':9101 ' && break; sleep 0.1; done
	in_ns c1 timeout 120 socat -u TCP:$SRV:9101 - | sha256sum > "/tmp/$PFX-got2"
	sleep 0.5
	echo "download: sent $(cut -c1-16 "/tmp/$PFX-sent2"), received $(cut -c1-16 "/tmp/$PFX-got2") in ${SECONDS}s total"
	echo "fast out +$(($(fast out) - o)), in +$(($(fast in) - i)); c1 route: $(in_ns c1 ip route get $SRV | head -1)"
	[ "$(cut -d' ' -f1 "/tmp/$PFX-sent2")" = "$(cut -d' ' -f1 "/tmp/$PFX-got2")" ] &&
	[ "$(fast out)" -gt $((o + 10000)) ] && [ "$(fast in)" -gt $((i + 10000)) ] &&
	in_ns c1 ip route get $SRV | grep -q "mtu 1400"
}

# The uplink narrower than the container: the FIB says frag needed, the host answers the
# container (Frag Needed), and TCP still completes.
test_uplink_mtu_below_container_mtu_goes_slow_and_completes() {
	local f
	f=$(slow out frag_needed)
	in_ns c1 ip route flush cache
	ip -n "$HOST" link set up0 mtu 1300 && ip -n "$RTR_NS" link set r0 mtu 1300 || return 1
	xfer c1 out $SRV $((8 << 20)); local rc=$?
	ip -n "$HOST" link set up0 mtu 1500; ip -n "$RTR_NS" link set r0 mtu 1500
	echo "frag_needed $f -> $(slow out frag_needed)"
	[ $rc = 0 ] && [ "$(slow out frag_needed)" -gt "$f" ]
}

# What the path under test counts per outbound packet: the fast path's packets, or with
# the rule's fast path off (FP_OFF=1) the slow-path reason fastpath_off.
on_path() { if [ -n "${FP_OFF:-}" ]; then slow out fastpath_off; else fast out; fi; }

# The host's default moves to the second uplink, which has no rule: slow path, the host
# forwards (untranslated, as it would without sluice), nothing goes out of the first
# uplink, and nothing leaves the second with the first one's external address.
route_change() {
	local n f
	n=$(slow out no_rule) f=$(fast out)
	bg_ns rtr2 tcpdump -n -U -i s0 -w "/tmp/$PFX-rtr2.pcap" icmp
	local cap=$BG_PID
	sleep 1
	ip -n "$HOST" route replace default via $RTR2 || return 1
	ping_fails c1 $SRV
	ip -n "$HOST" route replace default via $RTR
	sleep 0.5
	kill "$cap"; wait "$cap" 2>/dev/null
	echo "no_rule $n -> $(slow out no_rule), fast out $f -> $(fast out)"
	tcpdump -n -r "/tmp/$PFX-rtr2.pcap" 2>/dev/null | tee /dev/stderr | grep -q "10.20.0.11 > $SRV" || return 1
	! tcpdump -n -r "/tmp/$PFX-rtr2.pcap" 2>/dev/null | grep -q "$UP" &&
	[ "$(slow out no_rule)" -ge $((n + 2)) ] && [ "$(fast out)" = "$f" ] &&
	ping_n c1 $SRV 2
}
test_route_to_uplink_without_rule_goes_slow_nothing_leaks() { route_change; }

# The router's MAC changes (to MAC) without telling anyone: the host's neighbour state
# machine finds the new one (bpf_redirect_neigh keeps it running), and traffic follows.
router_mac_change() {
	local i mac=$1
	in_ns host sysctl -qw net.ipv4.neigh.up0.base_reachable_time_ms=1000 \
		net.ipv4.neigh.up0.delay_first_probe_time=1 || return 1
	ping_n c1 $SRV 2 || return 1
	ip -n "$RTR_NS" link set r0 address "$mac" || return 1
	for i in $(seq 30); do
		ping_n c1 $SRV 1 && break
		sleep 0.5
	done
	ip -n "$HOST" neigh show $RTR
	ip -n "$HOST" neigh show $RTR | grep -q "$mac" && ping_n c1 $SRV 3
}
test_router_mac_change_is_followed() { router_mac_change 02:00:00:aa:bb:cc; }

# The uplink goes down: nothing is sent (the FIB has no route), it comes back: the path
# under test carries the packets again.
uplink_down() {
	local f
	ip -n "$HOST" link set up0 down || return 1
	f=$(on_path)
	ping_fails c1 $SRV; local down_ok=$?
	echo "path under test while down: $f -> $(on_path); fib_other $(slow out fib_other)"
	[ "$(on_path)" = "$f" ] || return 1
	ip -n "$HOST" link set up0 up && ip -n "$HOST" route replace default via $RTR || return 1
	sleep 1
	ping_n c1 $SRV 3 && [ "$(on_path)" -gt "$f" ] && [ $down_ok = 0 ]
}
test_uplink_down_sends_nothing_and_recovers() { uplink_down; }

# The host's own address and another container stay the host's and the switch's.
test_host_address_goes_slow_other_container_is_switched() {
	local h
	h=$(slow out not_forwarded)
	ping_n c1 $UP 2 && ping_n c1 10.20.0.12 2 || return 1
	echo "not_forwarded $h -> $(slow out not_forwarded)"
	[ "$(slow out not_forwarded)" -ge $((h + 2)) ]
}

# fastpath off: the host routes every packet, the translation is the uplink hook's.
fastpath_off() {
	local o i off
	sl nat del m0 && sl nat add m0 src 10.20.0.0/24 out up0 fastpath off || return 1
	o=$(fast out) i=$(fast in) off=$(slow out fastpath_off)
	ping_n c1 $SRV 3 || return 1
	echo "fast $o/$i -> $(fast out)/$(fast in), fastpath_off $off -> $(slow out fastpath_off)"
	[ "$(fast out)" = "$o" ] && [ "$(fast in)" = "$i" ] && [ "$(slow out fastpath_off)" -ge $((off + 3)) ]
}
test_fastpath_off_takes_the_host_path() { fastpath_off; }
# The same host changes with the fast path off (m0 re-added so by the test above).
#@ after=fastpath_off_takes_the_host_path
test_fastpath_off_route_to_uplink_without_rule() { FP_OFF=1 route_change; }
#@ after=fastpath_off_takes_the_host_path
test_fastpath_off_router_mac_change_is_followed() { FP_OFF=1 router_mac_change 02:00:00:aa:bb:cd; }
#@ after=fastpath_off_takes_the_host_path
test_fastpath_off_uplink_down_sends_nothing_and_recovers() { FP_OFF=1 uplink_down; }

csum_errors() {
	local ns
	for ns in c1 c2 out rtr host; do in_ns $ns nstat -asz; done |
		awk '/InCsumErrors/ {s += $2} END {print s + 0}'
}
test_no_checksum_errors_in_any_namespace() { test "$(csum_errors)" = 0; }
test_no_private_address_ever_left_by_the_nat_uplink() {
	kill "$LEAK_PID"; wait "$LEAK_PID" 2>/dev/null
	test "$(tcpdump -n -r "/tmp/$PFX-leak.pcap" 2>/dev/null | tee /dev/stderr | wc -l)" = 0
}

test_del_unpins_the_fast_path() {
	sl nat del m0 || return 1
	ping_fails c1 $SRV || return 1
	! ls "/sys/fs/bpf/sluice/$PFX" | grep -E 'nat'
}

. "$(dirname "$0")/runner.sh"
