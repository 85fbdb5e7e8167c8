# Section 3, NAT: container -> outside through iptables MASQUERADE (nft and legacy backends),
# nftables masquerade and sluice NAT (fast path on, and off: through the host like iptables):
# 64-byte UDP packets/s, TCP throughput (1 and 8 streams), new flows/s, TCP request/response;
# and the path's ceiling (nat-ceiling: MAC rewrite + bpf_redirect to the uplink, no NAT),
# packets/s only.
# shellcheck shell=bash

NAT_PATHS=(iptables nft iptables-legacy sluice sluice-slow)
NEW_FLOWS=${NEW_FLOWS:-60000}	# frames of the new-flows run, each one a new UDP flow
# One round sends NEW_FLOWS frames in ~0.2 s: too short for one figure. Each run measures
# NEWFLOW_ROUNDS rounds, each on a fresh topology (one external address has ~64k ports, so
# more flows in one topology would exhaust them for sluice and conntrack alike); every round
# is one value of the median.
NEWFLOW_ROUNDS=${NEWFLOW_ROUNDS:-4}

# newflows_round PATH RUN ROUND: one round on the topology built last.
newflows_round() {
	# One frame per source port: every frame makes a conntrack/NAT entry.
	measure_pps nat newflows "$1" "$2.$3" -n "$NEW_FLOWS" -f "$NEW_FLOWS" --sport 2000
}

bench_nat() {
	local run path rc metric round
	for run in $(seq "$RUNS"); do
		log nat "nat-ceiling, run $run"
		if topo_nat nat-ceiling; then
			measure_pps nat pps nat-ceiling "$run"
		else
			record nat pps nat-ceiling "$run" error ""
		fi
		topo_del
		for path in "${NAT_PATHS[@]}"; do
			log nat "$path, run $run"
			topo_nat "$path"
			rc=$?
			if [ $rc = 0 ]; then
				measure_pps nat pps "$path" "$run"
				measure_tcp nat "$path" "$run" 1
				measure_tcp nat "$path" "$run" 8
				measure_rr nat "$path" "$run"
				newflows_round "$path" "$run" 1
			else
				for metric in pps tcp_1 tcp_8 rr newflows; do
					record nat "$metric" "$path" "$run" "$([ $rc = 2 ] && echo pending || echo error)" ""
				done
			fi
			topo_del
			for round in $(seq 2 "$NEWFLOW_ROUNDS"); do
				[ $rc = 0 ] || break
				topo_nat "$path" && newflows_round "$path" "$run" "$round"
				topo_del
			done
		done
	done
	[ "$(grep -c $'^nat\tpps\tsluice\t[0-9]*\tpending' "$RESULTS")" = 0 ] ||
		note "nat: sluice rows pending: \`sluice nat show\` does not work in this build yet"
}
