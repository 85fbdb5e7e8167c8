# Section 1, L2: 64-byte UDP packets/s c1 -> c2 through the Linux bridge, sluice's tc and XDP
# ports and the minimal XDP and tc (bpf_redirect_peer) redirects; iperf3 TCP with 1 and 8 streams; ping RTT under load.
# shellcheck shell=bash

L2_PATHS=(bridge sluice-tc sluice-xdp xdp-redirect tc-redirect)

bench_l2() {
	local run path
	for run in $(seq "$RUNS"); do
		for path in "${L2_PATHS[@]}"; do
			log l2 "$path, run $run"
			if topo_l2 "$path"; then
				measure_pps l2 pps "$path" "$run"
				# xdpfwd forwards one way only: no TCP through the ceilings.
				if [ "${path%-redirect}" = "$path" ]; then
					measure_tcp l2 "$path" "$run" 1 rtt
					measure_tcp l2 "$path" "$run" 8
				fi
			else
				record l2 pps "$path" "$run" error ""
			fi
			topo_del
		done
	done
}
