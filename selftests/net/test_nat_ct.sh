#!/bin/bash
# Connection-table tooling as an operator uses `conntrack` (issue #15 part 5): `nat ct show`
# filters, `nat ct count`, `nat ct del` (both halves and the mapping), `nat stats rules`.
# modes: tc slowpath
. "$(dirname "$0")/nat_sem_lib.sh"

T=nat_ct.$MODE
# Traffic: c1 UDP from 6001 and a TCP connection, c2 UDP from 6002 and a ping.
fixture() {
	nat_sem_topology && sl nat add m0 src $SUB out up0 "${NAT_FP[@]}" || return 1
	nat_sem_servers
	in_ns c1 python3 "$SEM_PEERS" exchange $NB 9999 6001 0 0 >/dev/null &&
	in_ns c2 python3 "$SEM_PEERS" exchange $NB 9999 6002 0 0 >/dev/null &&
	in_ns c1 python3 "$SEM_PEERS" tcp-probe $NB 7000 2 >/dev/null &&
	ping_ok c2 $NB
}

# ct_is JQEXPR FILTERS...: `nat ct show -j FILTERS` is an array with JQEXPR true.
ct_is() {
	local expr=$1 out; shift
	out=$(sl -j nat ct show "$@")
	jq -e "type == \"array\" and ($expr)" <<<"$out" >/dev/null || { echo "$out"; return 1; }
}
test_show_all() { ct_is "length == 4"; }
test_show_proto_udp() { ct_is 'length == 2 and all(.proto == "udp")' proto udp; }
test_show_src_addr() { ct_is "length == 2 and all(.src | startswith(\"$C1:\"))" src $C1; }
test_show_src_cidr_dport() {
	ct_is "length == 2 and all(.dst == \"$NB:9999\")" src $SUB dport 9999
}
test_show_dst() { ct_is "length == 4" dst $NB/32; }
test_show_sport() { ct_is "length == 1 and .[0].src == \"$C2:6002\"" sport 6002; }
test_show_state_replied() { ct_is 'length == 2 and all(.state == "REPLIED")' state replied; }
test_show_state_echo() { ct_is 'length == 1 and .[0].proto == "icmp"' state ECHO; }
test_show_rule() { ct_is "length == 4" rule m0; }
test_show_none_match() { ct_is ". == []" proto tcp src $C2; }
test_count() { eval "[ \"\$(sl -j nat ct count proto udp)\" = '{\"count\":2}' ]"; }
test_count_text() { eval "[ \"\$(sl nat ct count src $C1)\" = 2 ]"; }
test_unknown_rule() {
	fails "$T.unknown_rule" "nat ct: rule nosuch does not exist" sl nat ct show rule nosuch
}
test_bad_state() {
	fails "$T.bad_state" 'nat ct: state "OPEN": expected' sl nat ct count state OPEN
}
test_bad_proto() {
	fails "$T.bad_proto" 'nat ct: proto "gre": expected tcp, udp or icmp' sl nat ct show proto gre
}
test_bad_port() {
	fails "$T.bad_port" 'nat ct: sport "70000": expected a port' sl nat ct show sport 70000
}
test_filter_without_value() {
	fails "$T.filter_without_value" 'nat ct: "dport" needs a value' sl nat ct show dport
}
test_del_needs_filter() {
	fails "$T.del_needs_filter" "nat ct del: give a filter" sl nat ct del
}

# Per rule: the connections by state and the mappings.
test_stats_rules() {
	[ "$(sl -j nat stats rules | jq -c '.[0] | [.rule, .entries, .mappings, .states.REPLIED]')" = '["m0",4,4,2]' ]
}
test_stats_rules_unknown() {
	fails "$T.stats_rules_unknown" "nat rule nosuch does not exist" sl nat stats rules nosuch
}

# del: one connection, both halves and its mapping; the others stay.
ct_halves() { bpftool -j map dump pinned "/sys/fs/bpf/sluice/$PFX/sl_nat_ct" | jq length; }
test_del_one_with_both_halves_and_mapping() {
	local halves=$(ct_halves) maps=$(sl_json .mappings nat stats) out
	local live=$(sl_json .count nat ct count)	# expired ones are not listed: count now
	out=$(sl -j nat ct del proto udp src $C1 sport 6001); echo "$out"
	[ "$out" = '{"deleted":1}' ] || return 1
	echo "halves $halves -> $(ct_halves), mappings $maps -> $(sl_json .mappings nat stats)"
	[ "$(ct_halves)" = $((halves - 2)) ] && [ "$(sl_json .mappings nat stats)" = $((maps - 1)) ] &&
		ct_is "length == $live - 1 and (any(.src == \"$C1:6001\") | not)"
}
#@ after=del_one_with_both_halves_and_mapping
test_deleted_flow_starts_again() {
	eval "in_ns c1 python3 $SEM_PEERS exchange $NB 9999 6001 0 0 && [ \"\$(sl -j nat ct count sport 6001)\" = '{\"count\":1}' ]"
}
test_del_many() {
	local out
	out=$(sl nat ct del src $SUB proto udp); echo "$out"
	[ "$out" = 2 ] && ct_is 'all(.proto != "udp")'
}

. "$(dirname "$0")/runner.sh"
