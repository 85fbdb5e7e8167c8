# Section 2, VLAN: 64-byte UDP packets/s from an access port (VLAN 10) to a trunk, every frame
# tagged on the way; the bridge baseline needs CONFIG_BRIDGE_VLAN_FILTERING.
# shellcheck shell=bash

bench_vlan() {
	local run path paths=(sluice-tc sluice-xdp)
	if bridge_has_vlan_filtering; then
		paths=(bridge "${paths[@]}")
	else
		note "vlan: no bridge baseline: this kernel's bridge refuses vlan_filtering 1" \
			"(CONFIG_BRIDGE_VLAN_FILTERING is off); ratios are against the untagged L2 bridge"
		record vlan pps bridge 1 n/a ""
	fi
	for run in $(seq "$RUNS"); do
		for path in "${paths[@]}"; do
			log vlan "$path, run $run"
			if topo_l2 "$path" vlan; then
				measure_pps vlan pps "$path" "$run"
			else
				record vlan pps "$path" "$run" error ""
			fi
			topo_del
		done
	done
}
