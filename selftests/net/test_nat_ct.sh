#!/bin/bash
# Connection-table tooling as an operator uses `conntrack` (issue #15 part 5): `nat ct show`
# filters, `nat ct count`, `nat ct del` (both halves and the mapping), `nat stats rules`.
# modes: tc
. "$(dirname "$0")/nat_sem_lib.sh"

T=nat_ct.$MODE
nat_sem_topology || { echo "FAIL $T.topology"; exit 1; }
sl nat add m0 src $SUB out up0 || { echo "FAIL $T.nat_add"; exit 1; }
nat_sem_servers

# Traffic: c1 UDP from 6001 and a TCP connection, c2 UDP from 6002 and a ping.
in_ns c1 python3 "$SEM_PEERS" exchange $NB 9999 6001 0 0 >/dev/null &&
in_ns c2 python3 "$SEM_PEERS" exchange $NB 9999 6002 0 0 >/dev/null &&
in_ns c1 python3 "$SEM_PEERS" tcp-probe $NB 7000 2 >/dev/null &&
ping_ok c2 $NB || echo "FAIL $T.traffic"

# ct_is EXPR FILTERS...: `nat ct show -j FILTERS` is a list c with EXPR true.
ct_is() {
	local expr=$1; shift
	sl -j nat ct show "$@" | python3 -c "
import json, sys
c = json.load(sys.stdin)
print(c); sys.exit(0 if isinstance(c, list) and ($expr) else 1)"
}
check "$T.show_all" ct_is "len(c) == 4"
check "$T.show_proto_udp" ct_is "len(c) == 2 and all(e['proto'] == 'udp' for e in c)" proto udp
check "$T.show_src_addr" ct_is "len(c) == 2 and all(e['src'].startswith('$C1:') for e in c)" src $C1
check "$T.show_src_cidr_dport" ct_is "len(c) == 2 and all(e['dst'] == '$NB:9999' for e in c)" \
	src $SUB dport 9999
check "$T.show_dst" ct_is "len(c) == 4" dst $NB/32
check "$T.show_sport" ct_is "len(c) == 1 and c[0]['src'] == '$C2:6002'" sport 6002
check "$T.show_state_replied" ct_is "len(c) == 2 and all(e['state'] == 'REPLIED' for e in c)" state replied
check "$T.show_state_echo" ct_is "len(c) == 1 and c[0]['proto'] == 'icmp'" state ECHO
check "$T.show_rule" ct_is "len(c) == 4" rule m0
check "$T.show_none_match" ct_is "c == []" proto tcp src $C2
check "$T.count" eval "[ \"\$(sl -j nat ct count proto udp)\" = '{\"count\":2}' ]"
check "$T.count_text" eval "[ \"\$(sl nat ct count src $C1)\" = 2 ]"
fails "$T.unknown_rule" "nat ct: rule nosuch does not exist" sl nat ct show rule nosuch
fails "$T.bad_state" 'nat ct: state "OPEN": expected' sl nat ct count state OPEN
fails "$T.bad_proto" 'nat ct: proto "gre": expected tcp, udp or icmp' sl nat ct show proto gre
fails "$T.bad_port" 'nat ct: sport "70000": expected a port' sl nat ct show sport 70000
fails "$T.filter_without_value" 'nat ct: "dport" needs a value' sl nat ct show dport
fails "$T.del_needs_filter" "nat ct del: give a filter" sl nat ct del

# Per rule: the connections by state and the mappings.
check "$T.stats_rules" eval "[ \"\$(jq_sl \"[d[0]['rule'], d[0]['entries'], d[0]['mappings'], d[0]['states']['REPLIED']]\" nat stats rules)\" = \"['m0', 4, 4, 2]\" ]"
fails "$T.stats_rules_unknown" "nat rule nosuch does not exist" sl nat stats rules nosuch

# del: one connection, both halves and its mapping; the others stay.
ct_halves() { bpftool -j map dump pinned "/sys/fs/bpf/sluice/$PFX/sl_nat_ct" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'; }
del_one() {
	local halves=$(ct_halves) maps=$(jq_sl "d['mappings']" nat stats) out
	local live=$(jq_sl "d['count']" nat ct count)	# expired ones are not listed: count now
	out=$(sl -j nat ct del proto udp src $C1 sport 6001); echo "$out"
	[ "$out" = '{"deleted":1}' ] || return 1
	echo "halves $halves -> $(ct_halves), mappings $maps -> $(jq_sl "d['mappings']" nat stats)"
	[ "$(ct_halves)" = $((halves - 2)) ] && [ "$(jq_sl "d['mappings']" nat stats)" = $((maps - 1)) ] &&
		ct_is "len(c) == $live - 1 and not any(e['src'] == '$C1:6001' for e in c)"
}
check "$T.del_one_with_both_halves_and_mapping" del_one
check "$T.deleted_flow_starts_again" eval \
	"in_ns c1 python3 $SEM_PEERS exchange $NB 9999 6001 0 0 && [ \"\$(sl -j nat ct count sport 6001)\" = '{\"count\":1}' ]"
del_many() {
	local out
	out=$(sl nat ct del src $SUB proto udp); echo "$out"
	[ "$out" = 2 ] && ct_is "all(e['proto'] != 'udp' for e in c)"
}
check "$T.del_many" del_many

summary
