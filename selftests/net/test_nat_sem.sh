#!/bin/bash
# NAT semantics (issue #15) with real traffic: UDP becomes a stream only after 2 s, as
# nf_conntrack; no direct access to containers from the uplink side unless allowed.
# modes: tc slowpath
. "$(dirname "$0")/nat_sem_lib.sh"

T=nat_sem.$MODE
fixture() {
	nat_sem_topology && sl nat add m0 src $SUB out up0 "${NAT_FP[@]}" || return 1
	nat_sem_servers
	daemon_start --interval 1
}

# The connection of c1:SPORT to the neighbour's echo, as `nat ct show -j` has it.
udp_ct() {
	local c
	c=$(sl -j nat ct show |
		jq -c --arg s "$C1:$1" 'first(.[] | select(.proto == "udp" and .src == $s)) // empty')
	echo "${c:-none}"
}

# Part 1: a request and its answer within 2 s keep the udp timeout and expire after it.
test_udp_one_shot_expires_after_udp_timeout() {
	local ct
	sl nat timeouts udp 3 udp_stream 120 || return 1
	in_ns c1 python3 "$SEM_PEERS" exchange $NB 9999 5353 0 0 || return 1
	ct=$(udp_ct 5353); echo "after the answer: $ct"
	jq -e '.state == "REPLIED" and .expires <= 3' <<<"$ct" >/dev/null || return 1
	pause 5	# udp (3 s) + a daemon round
	ct=$(udp_ct 5353); echo "5 s later: $ct"
	[ "$ct" = none ]
}

# A flow still exchanging packets 3 s after it began is a stream: udp_stream timeout.
udp_stream() {
	local ct
	sl nat timeouts udp 3 udp_stream 120 || return 1
	in_ns c1 python3 "$SEM_PEERS" exchange $NB 9999 5354 3.2 0.4 || return 1
	ct=$(udp_ct 5354); echo "$ct"
	jq -e '.state == "ASSURED" and .expires > 100' <<<"$ct" >/dev/null
}
test_udp_three_second_stream_gets_udp_stream() { udp_stream; }

# Part 3 (also issue #13, item 4): the neighbour routes the container subnet via the host.
# By default ICMP, UDP and a TCP SYN to c1's private address are dropped and counted, and
# nothing of c1 answers (no connection, no mapping).
direct_drops() { sl_json .drops.direct_to_private nat stats; }
no_ct_for_c1_services() {
	sl -j nat ct show | jq -e --arg a "$C1:7000" --arg b "$C1:9999" --arg p "$C1:0" \
		'[.[] | select(.src == $a or .src == $b or (.src | startswith($p)))] |
		if length == 0 then true else (., false) end'
}
I13=issue13_item4_direct_access_blocked
test_direct_deny() {
	sl nat timeouts udp 30 >/dev/null
	D0=$(direct_drops)
	check "$T.$I13.icmp" ping_fails nb $C1
	check "$T.$I13.udp" eval "! in_ns nb python3 $SEM_PEERS udp-probe $C1 9999 1"
	check "$T.$I13.tcp_syn" eval "! in_ns nb python3 $SEM_PEERS tcp-probe $C1 7000 1"
	check "$T.$I13.counted_direct_to_private" eval '[ $(( $(direct_drops) - D0 )) -ge 4 ]'
	check "$T.$I13.reply_creates_no_nat_entry" no_ct_for_c1_services
	check "$T.$I13.host_gateway_address_still_reachable" ping_ok nb $GW
	check "$T.$I13.nat_show_says_deny" eval "sl nat show | grep -q 'direct deny'"
	# Outbound masquerade is unchanged meanwhile.
	check "$T.$I13.outbound_still_masqueraded" eval \
		"in_ns c1 python3 $SEM_PEERS tcp-probe $NB 7000 2 | grep -q 'connected: $UP'"
}

# `direct allow`: routed access, untranslated both ways, and the answers make no mapping.
A=direct_allow_routed
routed_untranslated() {
	sl -j nat ct show | jq -e --arg s "$C1:7000" '[.[] | select(.src == $s)] | length > 0 and all(.nat == .src)' &&
	[ "$(sl_json .flows nat stats)" = 0 ]
}
test_direct_allow() {
	sl nat del m0 && sl nat add m0 src $SUB out up0 direct allow "${NAT_FP[@]}" || { echo "FAIL $T.direct_allow_add"; return 1; }
	check "$T.$A.nat_show_says_allow" eval "sl nat show | grep -q 'direct allow'"
	check "$T.$A.icmp" ping_ok nb $C1
	check "$T.$A.udp_answered_by_c1" eval \
		"in_ns nb python3 $SEM_PEERS udp-probe $C1 9999 2 | grep -q 'answer from $C1: $NB probe'"
	check "$T.$A.tcp_c1_sees_neighbour" eval \
		"in_ns nb python3 $SEM_PEERS tcp-probe $C1 7000 2 | grep -q 'connected: $NB'"
	check "$T.$A.tracked_untranslated_no_nat_flow" routed_untranslated
}

. "$(dirname "$0")/runner.sh"
