#!/bin/bash
# NAT table limits with real traffic: containers -- host (sluice switch + nat) -- outside.
# A connection table far smaller than the flows through it evicts per LRU while live flows
# keep their translation; a port range smaller than the flows through it drops and counts
# the excess, keeps the flows it has, and gives ports out again once entries expire.
# modes: tc slowpath
# (slowpath: the rules say `fastpath off`)
. "$(dirname "$0")/lib.sh"

MODE=${1:-tc}
T=nat_limits.$MODE
FASTPATH=on; [ "$MODE" = slowpath ] && FASTPATH=off
FLOWS=$ROOT/selftests/net/nat_flows.py
PEERS=$ROOT/selftests/net/nat_peers.py
SRV=198.51.100.1 UP=198.51.100.2
CAP=1024	# connections the table holds (`nat add ... conntrack`)

fixture() {
	in_ns host sysctl -qw net.ipv4.ip_forward=1 &&
	sl switch add sw0 addr 10.40.0.1/24 &&
	container_add c1 sw0 10.40.0.11/24 gw 10.40.0.1 &&
	container_add c2 sw0 10.40.0.12/24 gw 10.40.0.1 &&
	ns_add out &&
	ip -n "$HOST" link add up0 type veth peer name o0 netns "$PFX-out" &&
	ip -n "$HOST" addr add $UP/24 dev up0 && ip -n "$HOST" link set up0 up &&
	ip -n "$PFX-out" addr add $SRV/24 dev o0 && ip -n "$PFX-out" link set o0 up &&
	# Every UDP port from 20000 up answers: the echo on 9999 replies from the port asked.
	in_ns out nft -f - <<-EOF
	table ip t {
		chain pre { type nat hook prerouting priority -100; udp dport 20000-29999 redirect to :9999; }
	}
	EOF
	[ $? = 0 ] || return 1
	# The outside has no route to the containers: only translated traffic is answered.
	bg_ns out /usr/bin/python3 "$PEERS" serve 9999
	bg_ns out /usr/bin/python3 "$FLOWS" talk-serve 7007
	bg_ns out /usr/bin/python3 "$FLOWS" held-serve 7008
}

nat_stat() { sl_json ".$1" nat stats; }	# nat_stat FIELD[.SUB]

# Segments the receivers found corrupt (a checksum we got wrong), in every namespace.
csum_errors() {
	local ns n=0
	for ns in c1 c2 out host; do
		n=$((n + $(in_ns $ns nstat -asz | awk '/InCsumErrors/ {s += $2} END {print s + 0}')))
	done
	echo $n
}

# ---- LRU: a table of 1024 connections, a flood of many times that beside live flows ----
# (1024, not the minimum 64: the kernel's LRU evicts in batches of up to 128 entries per CPU,
# so a table that small loses busy connections along with idle ones.)
# The flood and the live flows beside it, then a check per outcome.
test_lru() {
	sl nat add m0 src 10.40.0.0/24 out up0 conntrack $CAP fastpath $FASTPATH || { echo "FAIL $T.nat_add_conntrack"; return 1; }
	ping_ok c2 $SRV || { echo "FAIL $T.ping_outside"; return 1; }
	# Echo requests and anything private, as the outside sees them.
	bg_ns out tcpdump -n -U -i o0 -w "/tmp/$PFX-out.pcap" "icmp[icmptype] == icmp-echo or net 10.40.0.0/24"
	cap_pid=$BG_PID
	sleep 1
	flows0=$(nat_stat flows)

	# Live flows from c2: a ping with a fixed identifier and a TCP connection, each talking
	# every 20 ms, while c1 opens 8 times the table's connections from one socket.
	# (ip netns exec, not a function: the PIDs are those of ping and python, which stop on a signal)
	ip netns exec "$PFX-c2" ping -e 777 -c 4000 -i 0.02 -W 1 $SRV >"/tmp/$PFX-ping" 2>&1 & ping_pid=$!
	BG_PIDS+=($ping_pid)
	ip netns exec "$PFX-c2" /usr/bin/python3 "$FLOWS" talk $SRV 7007 0.02 80 $UP >"/tmp/$PFX-talk" 2>&1 &
	talk_pid=$!; BG_PIDS+=($talk_pid)
	sleep 0.25
	in_ns c1 /usr/bin/python3 "$FLOWS" spray $SRV 20000 10000 $((8 * CAP)) 2500 60 $UP >"/tmp/$PFX-spray" 2>&1
	spray_rc=$?
	entries=$(nat_stat entries)
	sleep 0.1
	kill -INT $ping_pid; kill -TERM $talk_pid
	wait $talk_pid; talk_rc=$?
	wait $ping_pid
	flows=$(( $(nat_stat flows) - flows0 ))
	sl nat stats | sed 's/^/# /'
	echo "# $flows connections made through a table of $CAP, $entries in it at the end of the flood"
	check "$T.lru_table_full_evicts_and_stays_bounded" table_bounded
	check "$T.lru_flood_replies_reach_their_sender_intact" test "$spray_rc" = 0
	check "$T.lru_live_ping_keeps_its_identifier" ping_keeps_identifier
	check "$T.lru_live_tcp_connection_keeps_its_port" eval 'cat "/tmp/$PFX-talk"; [ "$talk_rc" = 0 ]'
	check "$T.lru_reply_half_evicted_answer_still_arrives_repaired" half_evicted reply 6101
	check "$T.lru_orig_half_evicted_answer_still_arrives_repaired" half_evicted orig 6102
	kill "$cap_pid"; wait "$cap_pid" 2>/dev/null
	check "$T.lru_no_private_address_left" \
		test "$(tcpdump -n -r "/tmp/$PFX-out.pcap" net 10.40.0.0/24 2>/dev/null | wc -l)" = 0
	check "$T.lru_no_checksum_errors" test "$(csum_errors)" = 0
}

table_bounded() {
	cat "/tmp/$PFX-spray"
	# ORIG halves counted; one whose REPLY half went first stays until it goes too
	[ "$flows" -ge $((4 * CAP)) ] && [ "$entries" -ge $((CAP / 2)) ] && [ "$entries" -le $((CAP + CAP / 4)) ]
}

ping_keeps_identifier() {
	local sent got ids
	tail -2 "/tmp/$PFX-ping"
	sent=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "/tmp/$PFX-ping")
	got=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "/tmp/$PFX-ping")
	# Requests as the outside got them: from the uplink address, one identifier.
	ids=$(tcpdump -n -r "/tmp/$PFX-out.pcap" icmp 2>/dev/null |
		sed -n "s/.* IP $UP > $SRV: ICMP echo request, id \([0-9]*\),.*/\1/p" | sort -u)
	echo "identifiers seen outside: $ids"
	[ -n "$sent" ] && [ $((sent - got)) -le 1 ] && [ "$ids" = 777 ]
}

# One half of a connection evicted (by hand: which half the LRU takes is the kernel's
# choice) while its answer is held back; then the answer still reaches the container.
ct_key() {	# SADDR DADDR SPORT DPORT DIR: an sl_nat_ct key of UDP in bpftool's hex
	local s d
	IFS=. read -ra s <<<"$1"; IFS=. read -ra d <<<"$2"
	# addresses, ports in network order, protocol, direction, two bytes of padding
	printf '%02x %02x %02x %02x %02x %02x %02x %02x %02x %02x %02x %02x %02x %02x 00 00\n' \
		"${s[@]}" "${d[@]}" $(($3 >> 8)) $(($3 & 255)) $(($4 >> 8)) $(($4 & 255)) 17 "$5"
}
half_evicted() {	# DIR SPORT
	local rep0 ask ext= rc
	rep0=$(nat_stat repaired)
	in_ns c2 /usr/bin/python3 "$FLOWS" ask $SRV 7008 "$2" 20 $UP >"/tmp/$PFX-ask" 2>&1 & ask=$!
	for _ in $(seq 50); do	# the question is out: its connection is there
		ext=$(sl -j nat ct show | jq -r --arg s "10.40.0.12:$2" \
			'[.[] | select(.src == $s) | .nat | split(":")[1]] | join(" ")')
		[ -n "$ext" ] && break
		sleep 0.1
	done
	if [ "$1" = reply ]; then
		bpftool map delete pinned "/sys/fs/bpf/sluice/$PFX/sl_nat_ct" key hex $(ct_key $SRV $UP 7008 "$ext" 1)
	else
		bpftool map delete pinned "/sys/fs/bpf/sluice/$PFX/sl_nat_ct" key hex $(ct_key 10.40.0.12 $SRV "$2" 7008 0)
	fi
	rc=$?
	in_ns out /usr/bin/python3 "$FLOWS" release 7008
	wait $ask || rc=1
	cat "/tmp/$PFX-ask"
	echo "repaired $rep0 -> $(nat_stat repaired)"
	[ "$rc" = 0 ] && [ "$(nat_stat repaired)" = $((rep0 + 1)) ]
}

# ---- ports: 4 external ports, 6 endpoints that want one ----
# held NAME: per socket "answered/sent" of a `nat_flows.py hold` result.
held() { jq -r '[.answered, .sent] | transpose | map("\(.[0])/\(.[1])") | join(" ")' "/tmp/$PFX-$1"; }
all_answered() { jq -e '.wrong == 0 and ([.answered, .sent] | transpose | all(.[1] - 1 > 0 and .[0] >= .[1] - 1))' "/tmp/$PFX-$1" >/dev/null; }
none_answered() { jq -e '(.answered | add) == 0 and (.sent | min) > 0' "/tmp/$PFX-$1" >/dev/null; }

# A rule of 4 ports, 6 sockets that want one, then expiry and ports out again.
test_ports() {
	if sl_json '.[].name' nat show | grep -qx m0; then sl nat del m0 || return 1; fi
	sl nat add m1 src 10.40.0.0/24 out up0 ports 40000-40003 fastpath $FASTPATH &&
	sl nat timeouts udp 2 udp_stream 2 || { echo "FAIL $T.nat_add_ports"; return 1; }
	fail0=$(nat_stat alloc_failed) ex0=$(nat_stat drops.ports_exhausted)
	in_ns c1 timeout 15 /usr/bin/python3 "$FLOWS" hold $SRV 20001 4 3 $UP >"/tmp/$PFX-hold1" 2>&1 & h1=$!
	sleep 0.5
	in_ns c2 timeout 15 /usr/bin/python3 "$FLOWS" hold $SRV 20002 2 1.5 $UP >"/tmp/$PFX-hold2" 2>&1
	ports_during=$(sl -j nat ct show)
	wait $h1
	echo "# c1 (answered/sent per socket): $(held hold1), c2: $(held hold2)"

	check "$T.ports_excess_flows_dropped" none_answered hold2
	check "$T.ports_existing_flows_keep_working" all_answered hold1
	check "$T.ports_all_four_in_use_within_range" in_range
	check "$T.ports_exhaustion_counted_in_nat_stats_text_and_json" exhaustion_reported
	sl nat stats | sed 's/^/# /'
	# Once the connections expire, the daemon frees their mappings and ports go out again.
	daemon_start --interval 1
	check "$T.ports_freed_after_expiry" ports_freed
	fail1=$(nat_stat alloc_failed)
	in_ns c2 timeout 10 /usr/bin/python3 "$FLOWS" hold $SRV 20003 2 1 $UP >"/tmp/$PFX-hold3" 2>&1
	echo "# c2 after expiry: $(held hold3)"
	check "$T.ports_new_flows_get_ports_again" eval 'all_answered hold3 && [ "$(nat_stat alloc_failed)" = "$fail1" ]'
	kill "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null
}

in_range() {
	local ports
	ports=$(jq -c '[.[] | select(.proto == "udp") | .nat | split(":")[1] | tonumber] | unique' <<<"$ports_during")
	echo "external ports in use: $ports"
	jq -e 'length == 4 and all(. >= 40000 and . <= 40003)' <<<"$ports" >/dev/null
}
exhaustion_reported() {
	local text
	text=$(sl nat stats) || return 1
	echo "$text"
	[ "$(nat_stat alloc_failed)" -ge $((fail0 + 2)) ] &&
	[ "$(nat_stat drops.ports_exhausted)" -ge $((ex0 + 2)) ] &&
	echo "$text" | grep -qE "alloc_failed [1-9]" && echo "$text" | grep -qE "ports_exhausted [1-9]"
}
ports_freed() {
	for _ in $(seq 40); do
		[ "$(nat_stat mappings)" = 0 ] && return 0
		sleep 0.25
	done
	sl nat ct show; sl nat stats
	return 1
}

. "$(dirname "$0")/runner.sh"
