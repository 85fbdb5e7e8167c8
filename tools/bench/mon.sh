# Section 6, monitor: 64-byte UDP packets/s c1 -> c2 through sluice's tc and XDP ports with
# no monitor, with `sluice monitor` (drops: none happen, so this is the cost of the switch
# being on) and with `sluice monitor trace` (an event per frame, written to /dev/null).
# shellcheck shell=bash

MON_STATES=(off drops trace)

bench_mon() {
	local run path state mon
	for run in $(seq "$RUNS"); do
		for path in sluice-tc sluice-xdp; do
			for state in "${MON_STATES[@]}"; do
				log mon "$path, monitor $state, run $run"
				if ! topo_l2 "$path"; then
					record mon pps "$path-$state" "$run" error ""
					topo_del
					continue
				fi
				mon=""
				if [ "$state" != off ]; then
					"$SLUICE" --instance "$INST" --netns "$HOST" monitor $state \
						timeout $((TIME + 30)) >/dev/null 2>"$WORK/mon.err" &
					mon=$!
					sleep 0.5
				fi
				measure_pps mon pps "$path-$state" "$run"
				[ -n "$mon" ] && bg_stop "$mon" INT
				[ -n "$mon" ] && grep -h "lost" "$WORK/mon.err" | sed "s/^/$path $state run $run: /" |
					while read -r l; do note "mon: $l"; done
				topo_del
			done
		done
	done
}
